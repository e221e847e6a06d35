#define CAF_SUITE net.http

#include "net/p2p_pods.hpp"
#include "support/http_client.hpp"
#include "support/redis_server.hpp"

#include "podshare/net/http/pod_face.hpp"
#include "podshare/net/http/server.hpp"
#include "podshare/net/http/store_api.hpp"
#include "podshare/net/memory/spawn.hpp"

#include <caf/test/unit_test.hpp>

#include <nlohmann/json.hpp>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <string>

using namespace podshare;
using namespace podshare::testing;
using namespace std::chrono_literals;

namespace {

// A pod with a JSON store on a memory transport, its face and its API on a
// server of its own.
struct served_pod {
  served_pod() : sys(cfg) {
    transport = net::spawn_memory_transport(sys);
    options opts;
    opts.node_id = "pod-1";
    auto s = http::json_store::open(sys, "t", transport, opts);
    CAF_REQUIRE(s);
    store.emplace(std::move(*s));
    auto started = http::server::start({});
    CAF_REQUIRE(started);
    server = std::move(*started);
    face = std::make_unique<http::pod_face>(
      sys, std::vector<http::observed_store>{http::observe(*store)},
      std::vector<http::observed_transport>{{"pod-1", transport}});
    api = std::make_unique<http::store_api>(*store);
    face->install(*server);
    api->install(*server);
  }

  ~served_pod() {
    server->stop();
    api.reset();
    store->close();
  }

  uint16_t port() const { return server->port(); }

  caf::actor_system_config cfg;
  caf::actor_system sys;
  transport_actor transport;
  std::optional<http::json_store> store;
  std::unique_ptr<http::server> server;
  std::unique_ptr<http::pod_face> face;
  std::unique_ptr<http::store_api> api;
};

bool has_line(const std::string& text, const std::string& line) {
  return text.find(line + "\n") != std::string::npos;
}

// Runs `promtool check metrics` on `text`; true when it finds nothing.
bool promtool_accepts(const std::string& text) {
  auto path = std::string{"/tmp/podshare-metrics-"} + std::to_string(getpid());
  std::ofstream{path} << text;
  auto rc = std::system(("promtool check metrics < " + path).c_str());
  std::remove(path.c_str());
  return rc == 0;
}

// The `id:` of the last change in an event stream's text.
uint64_t last_id(const std::string& text) {
  auto at = text.rfind("id: ");
  return at == std::string::npos ? 0 : std::stoull(text.substr(at + 4));
}

} // namespace

CAF_TEST(metrics after known activity carry its values and pass promtool) {
  served_pod pod;
  auto& s = *pod.store;
  CAF_CHECK(s.set("a", 1));
  CAF_CHECK(s.set("b", 2));
  CAF_CHECK(s.erase("a"));
  for (int i = 0; i < 5; ++i)
    s.get("b");
  auto reply = http_request(pod.port(), "GET", "/metrics");
  CAF_REQUIRE_EQUAL(reply.status, 200);
  CAF_CHECK_NOT_EQUAL(reply.headers.find("text/plain; version=0.0.4"),
                      std::string::npos);
  auto& text = reply.body;
  auto labels = std::string{"{topic=\"t\",pod=\"pod-1\"} "};
  CAF_CHECK(has_line(text, "podshare_writes_local_total" + labels + "3"));
  CAF_CHECK(has_line(text, "podshare_writes_applied_total" + labels + "3"));
  CAF_CHECK(has_line(text, "podshare_writes_rejected_total" + labels + "0"));
  CAF_CHECK(has_line(text, "podshare_reads_total" + labels + "5"));
  CAF_CHECK(has_line(text, "podshare_keys" + labels + "1"));
  CAF_CHECK(has_line(text, "podshare_tombstones" + labels + "1"));
  CAF_CHECK(has_line(text, "podshare_watchers_active" + labels + "1"));
  CAF_CHECK(has_line(text, "podshare_tombstones_gced_total" + labels + "0"));
  // The API's own watch saw the three writes.
  CAF_CHECK(has_line(text, "podshare_events_dispatched_total" + labels + "3"));
  CAF_CHECK(has_line(text, "podshare_origin_writes_applied_total{topic=\"t\","
                           "pod=\"pod-1\",origin=\"pod-1\"} 3"));
  CAF_CHECK(has_line(text, "podshare_transport_ready{pod=\"pod-1\","
                           "transport=\"memory\"} 1"));
  for (auto name : {"podshare_watchers_dropped_total",
                    "podshare_snapshots_total", "podshare_snapshot_bytes"})
    CAF_CHECK_NOT_EQUAL(text.find(std::string{name} + labels),
                        std::string::npos);
  CAF_CHECK(promtool_accepts(text));
}

CAF_TEST(health and status answer and unknown paths do not ) {
  served_pod pod;
  auto health = http_request(pod.port(), "GET", "/healthz");
  CAF_CHECK_EQUAL(health.status, 200);
  auto ready = http_request(pod.port(), "GET", "/readyz");
  CAF_CHECK_EQUAL(ready.status, 200);
  auto status = http_request(pod.port(), "GET", "/api/status");
  CAF_REQUIRE_EQUAL(status.status, 200);
  auto json = nlohmann::json::parse(status.body);
  CAF_CHECK_EQUAL(json["stores"][0]["topic"], "t");
  CAF_CHECK_EQUAL(json["stores"][0]["node_id"], "pod-1");
  CAF_CHECK_EQUAL(json["transports"][0]["kind"], "memory");
  CAF_CHECK_EQUAL(http_request(pod.port(), "GET", "/nope").status, 404);
  CAF_CHECK_EQUAL(http_request(pod.port(), "POST", "/metrics").status, 405);
}

CAF_TEST(readyz is 503 with the reason until the p2p transport has a peer) {
  auto peer_port = free_port();
  auto cfg = named("a", {"127.0.0.1:" + std::to_string(peer_port)});
  pod a{cfg};
  CAF_REQUIRE(a.ok());
  auto& s = a.open("t");
  auto started = http::server::start({});
  CAF_REQUIRE(started);
  auto& srv = **started;
  http::pod_face face{
    a.sys,
    {{"t", s.node_id(), s.actor(), [&s] { return s.stats(); }}},
    {{"a", a.net.transport()}}};
  face.install(srv);
  auto before = http_request(srv.port(), "GET", "/readyz");
  CAF_CHECK_EQUAL(before.status, 503);
  CAF_CHECK_NOT_EQUAL(before.body.find("transport p2p: no peer connected"),
                      std::string::npos);
  auto cb = named("b");
  cb.port = peer_port;
  pod b{cb};
  CAF_REQUIRE(b.ok());
  CAF_CHECK(wait_until(
    [&] { return http_request(srv.port(), "GET", "/readyz").status == 200; }));
  auto metrics = http_request(srv.port(), "GET", "/metrics");
  CAF_CHECK(
    has_line(metrics.body, "podshare_peer_connected{pod=\"a\",peer=\"b\"} 1"));
  srv.stop();
}

CAF_TEST(the store api reads and writes as the go web example does) {
  served_pod pod;
  auto port = pod.port();
  auto set = [&](const std::string& body) {
    return http_request(port, "POST", "/api/set", body);
  };
  CAF_CHECK_EQUAL(set(R"({"key":"k","value":{"n":1}})").status, 204);
  auto bad = set("not json");
  CAF_CHECK_EQUAL(bad.status, 400);
  CAF_CHECK_NOT_EQUAL(bad.body.find("not JSON"), std::string::npos);
  CAF_CHECK_EQUAL(set(R"({"key":"","value":1})").status, 400);
  CAF_CHECK_EQUAL(set(R"({"value":1})").status, 400);
  CAF_CHECK_EQUAL(set(R"({"key":"k2"})").status, 400);
  CAF_CHECK_EQUAL(set(R"([1,2])").status, 400);
  auto state
    = nlohmann::json::parse(http_request(port, "GET", "/api/state").body);
  CAF_CHECK_EQUAL(state["pod_id"], "pod-1");
  CAF_CHECK_EQUAL(state["state"]["k"]["n"], 1);
  CAF_CHECK_EQUAL(state["state"].size(), 1u);
  auto got = http_request(port, "GET", "/api/get?key=k");
  CAF_CHECK_EQUAL(got.status, 200);
  CAF_CHECK_EQUAL(http_request(port, "GET", "/api/get?key=nope").status, 404);
  CAF_CHECK_EQUAL(
    http_request(port, "POST", "/api/delete", R"({"key":"k"})").status, 204);
  CAF_CHECK_EQUAL(
    http_request(port, "POST", "/api/delete", R"({"key":1})").status, 400);
  CAF_CHECK(!pod.store->get("k"));
  auto stats
    = nlohmann::json::parse(http_request(port, "GET", "/api/stats").body);
  CAF_CHECK_EQUAL(stats["writes_local"], 2);
  CAF_CHECK_EQUAL(stats["tombstones"], 1);
  CAF_CHECK_EQUAL(http_request(port, "GET", "/").status, 200);
}

CAF_TEST(an event stream says hello then each change and resumes) {
  served_pod pod;
  auto port = pod.port();
  http_stream first{port, "/api/events"};
  CAF_REQUIRE(first.wait_for("event: hello"));
  CAF_CHECK_NOT_EQUAL(first.received().find("text/event-stream"),
                      std::string::npos);
  pod.store->set("x", 1);
  CAF_REQUIRE(first.wait_for("\"key\":\"x\""));
  CAF_CHECK_NOT_EQUAL(first.received().find("event: change"),
                      std::string::npos);
  auto seen = last_id(first.received());
  CAF_REQUIRE_NOT_EQUAL(seen, 0u);
  // A client that saw `x` reconnects after `y` and `z` were written.
  pod.store->set("y", 2);
  pod.store->erase("x");
  CAF_REQUIRE(first.wait_for("\"kind\":\"delete\""));
  http_stream resumed{
    port, "/api/events", {"Last-Event-ID: " + std::to_string(seen)}};
  CAF_REQUIRE(resumed.wait_for("\"kind\":\"delete\""));
  CAF_CHECK_NOT_EQUAL(resumed.received().find("\"key\":\"y\""),
                      std::string::npos);
  CAF_CHECK_EQUAL(resumed.received().find("event: reset"), std::string::npos);
  // An id from before this server started cannot be replayed.
  http_stream stale{port, "/api/events", {"Last-Event-ID: 7"}};
  CAF_CHECK(stale.wait_for("event: reset"));
}
