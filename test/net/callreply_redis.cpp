#define CAF_SUITE net.callreply_redis

#include "podshare/callreply/endpoint.hpp"

#include "podshare/callreply/envelope.hpp"
#include "podshare/callreply/route.hpp"
#include "podshare/configure.hpp"
#include "podshare/detail/base64.hpp"
#include "podshare/detail/rfc3339.hpp"
#include "podshare/error.hpp"
#include "podshare/net/redis/spawn.hpp"

#include "support/eventually.hpp"
#include "support/redis_server.hpp"

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/io/middleman.hpp>
#include "support/callreply.hpp"

#include <caf/test/dsl.hpp>
#include <caf/typed_event_based_actor.hpp>

#include <nlohmann/json.hpp>

#include <chrono>
#include <deque>
#include <future>
#include <mutex>

using namespace podshare;
using namespace podshare::callreply;
using namespace podshare::testing;
using namespace std::chrono_literals;

namespace {

int64_t wall_now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
           std::chrono::system_clock::now().time_since_epoch())
    .count();
}

// What a Go pod's inbox would receive: every message on one topic.
struct inbox_log {
  std::mutex mtx;
  std::vector<std::string> messages;

  std::vector<std::string> read() {
    std::lock_guard<std::mutex> guard{mtx};
    return messages;
  }
};

subscriber_actor::behavior_type record_inbox(subscriber_actor::pointer,
                                             std::shared_ptr<inbox_log> log) {
  return {
    [log](deliver_atom, const std::string&, const bytes& payload,
          const ingest_ticket&) {
      std::lock_guard<std::mutex> guard{log->mtx};
      log->messages.emplace_back(payload.begin(), payload.end());
    },
    [](resync_atom, const std::string&) {},
  };
}

struct fixture {
  fixture() : sys(init(cfg)) {
    if (!server.ok())
      CAF_FAIL(server.error());
  }

  ~fixture() {
    endpoints.clear();
    for (auto& x : transports)
      caf::anon_send(x, close_atom::value);
  }

  static caf::actor_system_config& init(caf::actor_system_config& cfg) {
    cfg.load<caf::io::middleman>();
    podshare::configure(cfg);
    return cfg;
  }

  transport_actor connect() {
    net::redis_options opts;
    opts.port = server.port();
    opts.resync_settle = 300ms;
    auto res = net::spawn_redis_transport(sys, opts);
    if (!res)
      CAF_FAIL(describe(res.error()));
    transports.push_back(*res);
    return *res;
  }

  // A pod with a connection of its own, its routing table in Go's JSON.
  endpoint& open(const std::string& pod, transport_actor via = {}) {
    endpoint_options opts;
    opts.pod = pod;
    opts.store.wire = wire::format::json;
    opts.store.snapshot_interval = 50ms;
    auto res = endpoint::open(sys, via ? via : connect(), opts);
    if (!res)
      CAF_FAIL(describe(res.error()));
    endpoints.push_back(std::move(*res));
    return endpoints.back();
  }

  // Subscribes a recorder to `topic`, as a Go pod listens on its inbox.
  std::shared_ptr<inbox_log> listen(const std::string& topic) {
    auto log = std::make_shared<inbox_log>();
    auto recorder = sys.spawn(record_inbox, log);
    caf::scoped_actor self{sys};
    self
      ->request(connect(), caf::infinite, subscribe_atom::value, topic,
                recorder)
      .receive([](ok_atom) {},
               [](caf::error& err) { CAF_FAIL(describe(err)); });
    recorders.push_back(recorder);
    return log;
  }

  redis_server server;
  caf::actor_system_config cfg;
  caf::actor_system sys;
  std::vector<transport_actor> transports;
  std::vector<subscriber_actor> recorders;
  std::deque<endpoint> endpoints;
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(callreply_redis_tests, fixture)

CAF_TEST(pods call each other through redis inboxes) {
  auto& a = open("a");
  auto& b = open("b");
  CAF_REQUIRE(!a.register_handler(
    "ws:alice", "send", [](const call_context&, const bytes& args) {
      return caf::expected<bytes>{to_bytes("a got " + to_string(args))};
    }));
  CAF_REQUIRE(eventually([&] { return b.owner("ws:alice") == "a"; }));
  for (int i = 0; i < 100; ++i) {
    auto res = b.call("ws:alice", "send", to_bytes(std::to_string(i)));
    CAF_REQUIRE(res);
    CAF_CHECK_EQUAL(to_string(*res), "a got " + std::to_string(i));
  }
  CAF_CHECK_EQUAL(stats_of(b).ok, 100u);
  CAF_CHECK_EQUAL(stats_of(a).served, 100u);
  // The inbox is the channel Go's transport names.
  CAF_CHECK_EQUAL(
    server.cli({"PUBSUB", "NUMSUB", "podshare:callreply:inbox:a:events"}),
    "podshare:callreply:inbox:a:events\n1\n");
}

CAF_TEST(an owner whose connection is gone is unreachable at once) {
  auto& a = open("a");
  auto via_b = connect();
  auto& b = open("b", via_b);
  CAF_REQUIRE(!b.register_handler("ws:bob", "send",
                                  [](const call_context&, const bytes&) {
                                    return caf::expected<bytes>{bytes{}};
                                  }));
  CAF_REQUIRE(eventually([&] { return a.owner("ws:bob") == "b"; }));
  // b's process dies: Redis drops its subscription with its connection.
  caf::anon_send(via_b, close_atom::value);
  CAF_REQUIRE(eventually([&] {
    return server.cli({"PUBSUB", "NUMSUB", "podshare:callreply:inbox:b:events"})
           == "podshare:callreply:inbox:b:events\n0\n";
  }));
  auto started = std::chrono::steady_clock::now();
  auto res = a.call("ws:bob", "send", {}, 10s);
  auto took = std::chrono::steady_clock::now() - started;
  CAF_CHECK_EQUAL(res.error(), ec::unreachable);
  // Answered by PUBLISH's receiver count, not by the 10 s timeout.
  CAF_CHECK(took < 5s);
  // The dead route went with it.
  CAF_CHECK(eventually([&] { return !a.owner("ws:bob"); }));
  CAF_CHECK_EQUAL(error_of(a.call("ws:bob", "send", {})), ec::no_route);
}

CAF_TEST(a go caller reaches a cpp handler with go envelopes) {
  auto& cpp = open("cpp");
  CAF_REQUIRE(!cpp.register_handler(
    "ws:alice", "Send", [](const call_context&, const bytes& args) {
      return caf::expected<bytes>{to_bytes("echo:" + to_string(args))};
    }));
  auto go_inbox = listen("callreply:inbox:gopod");
  // What Go's json.Marshal writes for its envelope: no `remaining`.
  auto call = R"({"type":"call","id":"9f2e","reply":"callreply:inbox:gopod",)"
              R"("target":"ws:alice","method":"Send","args":"aGVsbG8=",)"
              R"("deadline":)"
              + std::to_string(wall_now_ns() + 5'000'000'000) + "}";
  CAF_CHECK_EQUAL(
    server.cli({"PUBLISH", "podshare:callreply:inbox:cpp:events", call}),
    "1\n");
  CAF_REQUIRE(eventually([&] { return go_inbox->read().size() == 1; }));
  auto reply = nlohmann::json::parse(go_inbox->read()[0]);
  CAF_CHECK_EQUAL(reply["type"], "reply");
  CAF_CHECK_EQUAL(reply["id"], "9f2e");
  auto result = detail::base64_decode(reply["result"].get<std::string>());
  CAF_REQUIRE(result);
  CAF_CHECK_EQUAL(to_string(*result), "echo:hello");
  CAF_CHECK(reply.find("error") == reply.end());
}

CAF_TEST(a cpp caller reaches a go owner and reads its reply) {
  auto& cpp = open("cpp");
  auto go_inbox = listen("callreply:inbox:gopod");
  // A Go pod claims ws:bob: its routing store publishes Route JSON.
  auto route = encode_route("gopod", wall_now_ns());
  auto event
    = nlohmann::json{{"v", 1},
                     {"kind", "set"},
                     {"key", "ws:bob"},
                     {"value", detail::base64_encode(route)},
                     {"origin", "gopod"},
                     {"timestamp", detail::format_rfc3339(wall_now_ns())},
                     {"seq", 1}};
  CAF_CHECK_EQUAL(
    server.cli({"PUBLISH", "podshare:callreply:routing:events", event.dump()}),
    "1\n");
  CAF_REQUIRE(eventually([&] { return cpp.owner("ws:bob") == "gopod"; }));
  auto pending = std::async(std::launch::async, [&] {
    return cpp.call("ws:bob", "Send", to_bytes("hi bob"), 10s);
  });
  CAF_REQUIRE(eventually([&] { return go_inbox->read().size() == 1; }));
  auto call = nlohmann::json::parse(go_inbox->read()[0]);
  CAF_CHECK_EQUAL(call["type"], "call");
  CAF_CHECK_EQUAL(call["reply"], "callreply:inbox:cpp");
  CAF_CHECK_EQUAL(call["target"], "ws:bob");
  CAF_CHECK_EQUAL(call["method"], "Send");
  CAF_CHECK_EQUAL(call["args"], detail::base64_encode(to_bytes("hi bob")));
  CAF_CHECK(call["deadline"].get<int64_t>() > wall_now_ns());
  // Go answers with a handler error, in its words.
  auto reply = nlohmann::json{
    {"type", "reply"}, {"id", call["id"]}, {"error", "bob is away"}};
  CAF_CHECK_EQUAL(server.cli({"PUBLISH", "podshare:callreply:inbox:cpp:events",
                              reply.dump()}),
                  "1\n");
  auto res = pending.get();
  CAF_CHECK_EQUAL(res.error(), ec::handler_error);
  CAF_CHECK_EQUAL(reason_of(res.error()), "bob is away");
}

CAF_TEST_FIXTURE_SCOPE_END()
