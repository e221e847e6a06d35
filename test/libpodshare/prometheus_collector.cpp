#define CAF_SUITE libpodshare.prometheus_collector

#include "podshare/prometheus_collector.hpp"

#include "support/http_client.hpp"

#include <caf/test/unit_test.hpp>

#include <prometheus/exposer.h>

#include <memory>
#include <string>

using namespace podshare;
using podshare::testing::http_request;

CAF_TEST(a prometheus cpp exposer serves what render writes) {
  podshare::stats x;
  x.writes_local = 3;
  x.keys = 1;
  transport_status t;
  t.kind = "redis";
  t.ready = true;
  t.snapshot_fetches = 2;
  t.snapshot_fetch_ns = 500000000;
  auto families = [=] {
    return metrics::collect({{"flags", "pod-a", x, {}}}, {{"pod-a", t}}, 0);
  };
  prometheus::Exposer exposer{"127.0.0.1:0"};
  auto collector = std::make_shared<prometheus_collector>(families);
  exposer.RegisterCollectable(collector);
  auto port = static_cast<uint16_t>(exposer.GetListeningPorts().at(0));
  auto reply = http_request(port, "GET", "/metrics");
  CAF_REQUIRE_EQUAL(reply.status, 200);
  auto& text = reply.body;
  CAF_MESSAGE(text);
  CAF_CHECK_NOT_EQUAL(
    text.find("podshare_writes_local_total{topic=\"flags\",pod=\"pod-a\"} 3"),
    std::string::npos);
  CAF_CHECK_NOT_EQUAL(text.find("# TYPE podshare_keys gauge"),
                      std::string::npos);
  CAF_CHECK_NOT_EQUAL(text.find("podshare_transport_snapshot_fetch_seconds_"
                                "count{pod=\"pod-a\",transport=\"redis\"} 2"),
                      std::string::npos);
  CAF_CHECK_NOT_EQUAL(text.find("podshare_transport_snapshot_fetch_seconds_"
                                "sum{pod=\"pod-a\",transport=\"redis\"} 0.5"),
                      std::string::npos);
}
