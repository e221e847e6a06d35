#define CAF_SUITE libpodshare.metrics

#include "podshare/metrics.hpp"

#include <caf/test/unit_test.hpp>

#include <sstream>
#include <string>

using namespace podshare;

namespace {

size_t count(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (auto at = text.find(what); at != std::string::npos;
       at = text.find(what, at + 1))
    ++n;
  return n;
}

} // namespace

CAF_TEST(a store and a transport render as prometheus text) {
  podshare::stats x;
  x.writes_local = 3;
  x.reads = 5;
  x.keys = 1;
  x.tombstones = 1;
  x.events_dispatched = 6;
  x.events_watched = 3;
  metrics::store_sample store{"flags", "pod-a", x, {{"pod-b", 9000000000, 4}}};
  transport_status t;
  t.kind = "p2p";
  t.ready = true;
  t.reconnects = 2;
  t.snapshot_fetches = 4;
  t.snapshot_fetch_ns = 2500000000;
  t.peers.push_back(
    {"pod-b", "10.0.0.2:7000", "CN=pod-b", true, 10, 20, 100, 200, 1, 3});
  auto text = metrics::render({store}, {{"pod-a", t}}, 10000000000);
  CAF_MESSAGE(text);
  CAF_CHECK_NOT_EQUAL(
    text.find("podshare_writes_local_total{topic=\"flags\",pod=\"pod-a\"} 3\n"),
    std::string::npos);
  CAF_CHECK_NOT_EQUAL(
    text.find("podshare_reads_total{topic=\"flags\",pod=\"pod-a\"} 5\n"),
    std::string::npos);
  // Go counts dispatched events once per event; ours per watcher goes under
  // its own name.
  CAF_CHECK_NOT_EQUAL(text.find("podshare_events_dispatched_total{topic=\""
                                "flags\",pod=\"pod-a\"} 3\n"),
                      std::string::npos);
  CAF_CHECK_NOT_EQUAL(text.find("podshare_watcher_deliveries_total{topic=\""
                                "flags\",pod=\"pod-a\"} 6\n"),
                      std::string::npos);
  CAF_CHECK_NOT_EQUAL(text.find("podshare_origin_newest_write_age_seconds{"
                                "topic=\"flags\",pod=\"pod-a\",origin=\"pod-b"
                                "\"} 1\n"),
                      std::string::npos);
  CAF_CHECK_NOT_EQUAL(text.find("podshare_transport_snapshot_fetch_seconds_"
                                "sum{pod=\"pod-a\",transport=\"p2p\"} 2.5\n"),
                      std::string::npos);
  CAF_CHECK_NOT_EQUAL(
    text.find(
      "podshare_peer_queued_messages{pod=\"pod-a\",peer=\"pod-b\"} 3\n"),
    std::string::npos);
  // Every family says what it is, once.
  for (auto name :
       {"podshare_writes_local_total",
        "podshare_writes_applied_"
        "total",
        "podshare_writes_rejected_total", "podshare_reads_total",
        "podshare_events_dispatched_total", "podshare_watchers_active",
        "podshare_watchers_dropped_"
        "total",
        "podshare_snapshots_total", "podshare_snapshot_bytes", "podshare_keys",
        "podshare_tombstones", "podshare_tombstones_gced_total"}) {
    CAF_CHECK_EQUAL(count(text, std::string{"# HELP "} + name + " "), 1u);
    CAF_CHECK_EQUAL(count(text, std::string{"# TYPE "} + name + " "), 1u);
  }
}

CAF_TEST(label values are escaped) {
  metrics::store_sample store{"a\"b\\c\nd", "p", {}, {}};
  auto text = metrics::render({store}, {}, 0);
  CAF_CHECK_NOT_EQUAL(text.find("topic=\"a\\\"b\\\\c\\nd\""),
                      std::string::npos);
}
