#define CAF_SUITE libpodshare.callreply.endpoint

#include "podshare/callreply/endpoint_actor.hpp"

#include "podshare/callreply/envelope.hpp"
#include "podshare/callreply/route.hpp"
#include "podshare/codec.hpp"

#include "fixture.hpp"
#include "support/callreply.hpp"

#include <caf/typed_event_based_actor.hpp>

#include <nlohmann/json.hpp>

#include <chrono>

using namespace podshare;
using namespace podshare::callreply;
using namespace podshare::testing;
using namespace std::chrono_literals;

namespace {

// What the handlers of a test saw.
struct handler_log {
  int calls = 0;
  caf::timespan last_remaining{0};
  /// Calls a holding handler has not answered yet.
  std::vector<caf::typed_response_promise<bytes>> held;
};

// Answers "<name>:<args>".
handler_actor::behavior_type echo(handler_actor::pointer, std::string name,
                                  std::shared_ptr<handler_log> log) {
  return {
    [=](call_atom, const call_request& req) {
      ++log->calls;
      log->last_remaining = req.remaining;
      return to_bytes(name + ":" + to_string(req.args));
    },
  };
}

// Fails every call with `why`.
handler_actor::behavior_type failing(handler_actor::pointer, std::string why) {
  return {
    [=](call_atom, const call_request&) -> caf::result<bytes> {
      return caf::make_error(caf::sec::runtime_error, why);
    },
  };
}

// A handler that answers only when told: `ok(result)` answers every call
// it holds.
using holding_actor
  = handler_actor::extend<caf::reacts_to<ok_atom, std::string>>;

holding_actor::behavior_type holding(holding_actor::pointer self,
                                     std::shared_ptr<handler_log> log) {
  return {
    [=](call_atom, const call_request&) {
      ++log->calls;
      auto promise = self->make_response_promise<bytes>();
      log->held.push_back(promise);
      return promise;
    },
    [=](ok_atom, const std::string& result) {
      for (auto& promise : log->held)
        promise.deliver(to_bytes(result));
      log->held.clear();
    },
  };
}

struct fixture : store_fixture {
  fixture() { topic = default_routing_topic; }

  // An endpoint and its routing store's watcher registry hold each other:
  // they go before the base fixture waits for every actor to end.
  ~fixture() override {
    for (auto& x : endpoints)
      caf::anon_send_exit(x, caf::exit_reason::user_shutdown);
    consume_messages();
  }

  std::vector<endpoint_actor> endpoints;

  struct pod {
    store_handle routing;
    endpoint_actor actor;
  };

  pod start(const std::string& name, size_t max_handlers = 8) {
    auto routing
      = open_with(name, make_options(name),
                  make_value_ops<nlohmann::json, json_codec<nlohmann::json>>());
    endpoint_config cfg;
    cfg.pod = name;
    cfg.call_timeout = 5s;
    cfg.max_handlers = max_handlers;
    cfg.transport = transport;
    cfg.routing = routing;
    cfg.error_handler = routing.options.error_handler;
    auto actor = spawn_endpoint(sys, cfg);
    endpoints.push_back(actor);
    CAF_REQUIRE(call<ok_atom>(actor, open_atom::value));
    return {routing, actor};
  }

  template <class Handler, class... Ts>
  handler_actor handler(Handler f, Ts&&... xs) {
    return caf::actor_cast<handler_actor>(
      sys.spawn(f, std::forward<Ts>(xs)...));
  }

  // Tells the holding handler `h` to answer what it holds.
  void answer_held(const handler_actor& h, const std::string& result) {
    self->send(caf::actor_cast<holding_actor>(h), ok_atom::value, result);
    consume_messages();
  }

  caf::error claim(const pod& p, const std::string& target,
                   const std::string& method, const handler_actor& h) {
    auto res = call<ok_atom>(p.actor, claim_atom::value, target, method, h);
    return res ? caf::error{} : res.error();
  }

  caf::expected<bytes> rpc(const pod& p, const std::string& target,
                           const std::string& method, const std::string& args,
                           caf::timespan timeout = 0s) {
    return call<bytes>(p.actor, call_atom::value, target, method,
                       to_bytes(args), timeout);
  }

  std::string owner(const pod& p, const std::string& target) {
    auto res = call<std::string>(p.actor, owner_atom::value, target);
    CAF_REQUIRE(res);
    return *res;
  }

  // Calls slow.run from `p` and runs the actors, leaving the call waiting;
  // `outcome` reads how it ended.
  auto start_slow_call(const pod& p, caf::timespan timeout) {
    auto handle = self->request(p.actor, caf::infinite, call_atom::value,
                                std::string{"slow"}, std::string{"run"},
                                to_bytes("1"), timeout);
    consume_messages();
    return handle;
  }

  endpoint_stats stats(const pod& p) {
    auto res = call<endpoint_stats>(p.actor, stats_atom::value);
    CAF_REQUIRE(res);
    return *res;
  }
};

// Reads the outcome of a request sent with `self->request` after the actors
// ran.
template <class Handle>
caf::expected<bytes> outcome(Handle& handle) {
  caf::expected<bytes> result{caf::make_error(ec::none)};
  handle.receive([&](bytes& x) { result = std::move(x); },
                 [&](caf::error& err) { result = std::move(err); });
  return result;
}

} // namespace

CAF_TEST_FIXTURE_SCOPE(callreply_tests, fixture)

CAF_TEST(a call reaches the owner and returns its result) {
  auto a = start("a");
  auto b = start("b");
  auto log = std::make_shared<handler_log>();
  CAF_REQUIRE(!claim(a, "ws:alice", "send", handler(echo, "a", log)));
  CAF_CHECK_EQUAL(owner(b, "ws:alice"), "a");
  auto res = rpc(b, "ws:alice", "send", "hello");
  CAF_REQUIRE(res);
  CAF_CHECK_EQUAL(to_string(*res), "a:hello");
  CAF_CHECK_EQUAL(log->calls, 1);
  CAF_CHECK_EQUAL(stats(b).ok, 1u);
  CAF_CHECK_EQUAL(stats(a).served, 1u);
}

CAF_TEST(a target nobody claims is no route at once) {
  auto a = start("a");
  auto res = rpc(a, "ws:nobody", "send", "x");
  CAF_CHECK_EQUAL(error_of(res), ec::no_route);
  CAF_CHECK_EQUAL(owner(a, "ws:nobody"), "");
  CAF_CHECK_EQUAL(stats(a).no_route, 1u);
}

CAF_TEST(a method the owner does not handle is no handler) {
  auto a = start("a");
  auto b = start("b");
  auto log = std::make_shared<handler_log>();
  CAF_REQUIRE(!claim(a, "ws:alice", "send", handler(echo, "a", log)));
  auto res = rpc(b, "ws:alice", "kick", "x");
  CAF_CHECK_EQUAL(error_of(res), ec::no_handler);
  CAF_CHECK_EQUAL(reason_of(error_of(res)), "no handler for ws:alice.kick");
  CAF_CHECK_EQUAL(stats(b).no_handler, 1u);
}

CAF_TEST(a handler error reaches the caller with its text) {
  auto a = start("a");
  auto b = start("b");
  CAF_REQUIRE(!claim(a, "db", "write", handler(failing, "disk full")));
  auto res = rpc(b, "db", "write", "x");
  CAF_CHECK_EQUAL(error_of(res), ec::handler_error);
  CAF_CHECK_EQUAL(reason_of(error_of(res)), "disk full");
  CAF_CHECK_EQUAL(stats(b).handler_error, 1u);
}

CAF_TEST(a call to a target this pod owns runs here once) {
  auto a = start("a");
  auto b = start("b");
  auto log = std::make_shared<handler_log>();
  CAF_REQUIRE(!claim(a, "ws:alice", "send", handler(echo, "a", log)));
  auto res = rpc(a, "ws:alice", "send", "self");
  CAF_REQUIRE(res);
  CAF_CHECK_EQUAL(to_string(*res), "a:self");
  CAF_CHECK_EQUAL(log->calls, 1);
  // Nothing went through an inbox.
  CAF_CHECK_EQUAL(stats(a).served, 0u);
  CAF_CHECK_EQUAL(stats(b).served, 0u);
}

CAF_TEST(a route migrates and the old owner cannot delete the new one) {
  auto a = start("a");
  auto b = start("b");
  auto c = start("c");
  auto log_a = std::make_shared<handler_log>();
  auto log_b = std::make_shared<handler_log>();
  CAF_REQUIRE(!claim(a, "ws:alice", "send", handler(echo, "a", log_a)));
  clock.advance(1ms);
  // Alice reconnects to b while her socket on a is still open.
  CAF_REQUIRE(!claim(b, "ws:alice", "send", handler(echo, "b", log_b)));
  CAF_CHECK_EQUAL(owner(c, "ws:alice"), "b");
  CAF_CHECK_EQUAL(to_string(rpc(c, "ws:alice", "send", "1").value()), "b:1");
  // The old socket times out: a gives the target up, b keeps it.
  CAF_REQUIRE(
    call<ok_atom>(a.actor, release_atom::value, std::string{"ws:alice"}));
  CAF_CHECK_EQUAL(owner(c, "ws:alice"), "b");
  CAF_CHECK_EQUAL(to_string(rpc(c, "ws:alice", "send", "2").value()), "b:2");
  CAF_CHECK_EQUAL(log_a->calls, 0);
  // b gives it up: no route.
  CAF_REQUIRE(
    call<ok_atom>(b.actor, release_atom::value, std::string{"ws:alice"}));
  CAF_CHECK_EQUAL(error_of(rpc(c, "ws:alice", "send", "3")), ec::no_route);
}

CAF_TEST(a call beyond the handler cap is busy at once) {
  auto a = start("a", 1);
  auto b = start("b");
  auto log = std::make_shared<handler_log>();
  auto slow = handler(holding, log);
  CAF_REQUIRE(!claim(a, "slow", "run", slow));
  auto first = start_slow_call(b, 5s);
  CAF_REQUIRE_EQUAL(log->held.size(), 1u);
  auto second = rpc(b, "slow", "run", "2");
  CAF_CHECK_EQUAL(error_of(second), ec::busy);
  CAF_CHECK_EQUAL(log->calls, 1);
  answer_held(slow, "done");
  CAF_CHECK_EQUAL(to_string(outcome(first).value()), "done");
  CAF_CHECK_EQUAL(stats(b).busy, 1u);
  CAF_CHECK_EQUAL(stats(a).running, 0u);
}

CAF_TEST(the remaining time of the caller reaches the handler) {
  auto a = start("a");
  auto b = start("b");
  auto log = std::make_shared<handler_log>();
  CAF_REQUIRE(!claim(a, "t", "m", handler(echo, "a", log)));
  CAF_REQUIRE(rpc(b, "t", "m", "x", 1500ms));
  CAF_CHECK(log->last_remaining > 0s);
  CAF_CHECK(log->last_remaining <= 1500ms);
}

CAF_TEST(an unresponsive handler is a timeout for the caller) {
  auto a = start("a");
  auto b = start("b");
  auto log = std::make_shared<handler_log>();
  auto slow = handler(holding, log);
  CAF_REQUIRE(!claim(a, "slow", "run", slow));
  auto pending = start_slow_call(b, 2s);
  CAF_REQUIRE_EQUAL(log->calls, 1);
  pass(2s);
  CAF_CHECK_EQUAL(error_of(outcome(pending)), ec::timeout);
  CAF_CHECK_EQUAL(stats(b).timeout, 1u);
  // The callee gave the slot back when the deadline passed.
  CAF_CHECK_EQUAL(stats(a).running, 0u);
  // The handler answers late: nobody waits for it any more.
  answer_held(slow, "late");
  CAF_CHECK_EQUAL(stats(b).ok, 0u);
}

CAF_TEST(an owner nobody listens for is unreachable at once and its route goes) {
  auto a = start("a");
  auto b = start("b");
  auto log = std::make_shared<handler_log>();
  CAF_REQUIRE(!claim(a, "ws:alice", "send", handler(echo, "a", log)));
  // a crashes: its inbox subscription goes, its route stays.
  caf::anon_send_exit(a.actor, caf::exit_reason::kill);
  consume_messages();
  CAF_CHECK_EQUAL(owner(b, "ws:alice"), "a");
  auto res = rpc(b, "ws:alice", "send", "x");
  CAF_CHECK_EQUAL(error_of(res), ec::unreachable);
  CAF_CHECK_EQUAL(stats(b).unreachable, 1u);
  CAF_CHECK_EQUAL(owner(b, "ws:alice"), "");
  CAF_CHECK_EQUAL(error_of(rpc(b, "ws:alice", "send", "x")), ec::no_route);
}

CAF_TEST(a live owner writes back a route another pod deleted) {
  auto a = start("a");
  auto b = start("b");
  auto log = std::make_shared<handler_log>();
  CAF_REQUIRE(!claim(a, "ws:alice", "send", handler(echo, "a", log)));
  // What a Go pod's unconditional Unregister does.
  CAF_REQUIRE(erase(b.routing, "ws:alice"));
  consume_messages();
  CAF_CHECK_EQUAL(owner(b, "ws:alice"), "a");
  CAF_CHECK(rpc(b, "ws:alice", "send", "x"));
}

CAF_TEST(a restarted pod drops the routes of its earlier process) {
  auto before = start("a");
  auto b = start("b");
  auto log = std::make_shared<handler_log>();
  CAF_REQUIRE(!claim(before, "ws:alice", "send", handler(echo, "a", log)));
  caf::anon_send_exit(before.actor, caf::exit_reason::kill);
  consume_messages();
  CAF_CHECK_EQUAL(owner(b, "ws:alice"), "a");
  // The same pod id again, in a new endpoint without handlers.
  endpoint_config cfg;
  cfg.pod = "a";
  cfg.transport = transport;
  cfg.routing = before.routing;
  auto after = spawn_endpoint(sys, cfg);
  endpoints.push_back(after);
  CAF_REQUIRE(call<ok_atom>(after, open_atom::value));
  CAF_CHECK_EQUAL(owner(b, "ws:alice"), "");
}

CAF_TEST(close fails waiting calls and gives up every claim) {
  auto a = start("a");
  auto b = start("b");
  auto log = std::make_shared<handler_log>();
  auto slow = handler(holding, log);
  CAF_REQUIRE(!claim(a, "slow", "run", slow));
  CAF_REQUIRE(!claim(b, "ws:bob", "send", handler(echo, "b", log)));
  auto pending = start_slow_call(b, 5s);
  CAF_REQUIRE(call<ok_atom>(b.actor, close_atom::value));
  CAF_CHECK_EQUAL(error_of(outcome(pending)), ec::closed);
  CAF_CHECK_EQUAL(owner(a, "ws:bob"), "");
  // A closed endpoint has exited (the facade answers `closed` for it).
  CAF_CHECK_EQUAL(error_of(rpc(b, "slow", "run", "2")),
                  caf::sec::request_receiver_down);
  // A held promise holds its actor: answer it, so that the actor can end.
  answer_held(slow, "late");
}

CAF_TEST(the remaining time wins over a skewed deadline) {
  auto a = start("a");
  auto log = std::make_shared<handler_log>();
  CAF_REQUIRE(!claim(a, "t", "m", handler(echo, "a", log)));
  auto now = std::chrono::duration_cast<std::chrono::nanoseconds>(
               std::chrono::system_clock::now().time_since_epoch())
               .count();
  envelope skewed;
  skewed.type = "call";
  skewed.id = "skewed";
  skewed.target = "t";
  skewed.method = "m";
  // The caller's clock runs an hour behind: its deadline is long past here.
  skewed.deadline_ns = now - std::chrono::nanoseconds{1h}.count();
  skewed.remaining_ns = std::chrono::nanoseconds{2s}.count();
  auto text = encode_envelope(skewed);
  self->send(a.actor, deliver_atom::value, std::string{"inbox"}, to_bytes(text),
             ingest_ticket{});
  consume_messages();
  CAF_CHECK_EQUAL(log->calls, 1);
  // A Go caller sends only the deadline: past it, the handler does not run.
  skewed.id = "go";
  skewed.remaining_ns = 0;
  self->send(a.actor, deliver_atom::value, std::string{"inbox"},
             to_bytes(encode_envelope(skewed)), ingest_ticket{});
  consume_messages();
  CAF_CHECK_EQUAL(log->calls, 1);
}

CAF_TEST(bad envelopes are counted and reported and the endpoint serves on) {
  auto a = start("a");
  auto b = start("b");
  auto log = std::make_shared<handler_log>();
  CAF_REQUIRE(!claim(a, "t", "m", handler(echo, "a", log)));
  std::vector<std::string> garbage_list{
    "",
    "{",
    "[]",
    R"({"type":"call"})",
    R"({"type":"shout","id":"1"})",
    R"({"type":"call","id":"1","args":"not base64!"})",
    std::string(100000, '[')};
  for (auto& garbage : garbage_list)
    self->send(a.actor, deliver_atom::value, std::string{"inbox"},
               to_bytes(garbage), ingest_ticket{});
  consume_messages();
  CAF_CHECK_EQUAL(stats(a).bad_messages, 7u);
  CAF_CHECK(reported(ec::decode_failed));
  CAF_CHECK(rpc(b, "t", "m", "x"));
}

CAF_TEST(a pod whose replica is behind follows the target to its new owner) {
  auto a = start("a");
  auto b = start("b");
  auto log_a = std::make_shared<handler_log>();
  auto log_b = std::make_shared<handler_log>();
  CAF_REQUIRE(!claim(a, "ws:alice", "send", handler(echo, "a", log_a)));
  CAF_REQUIRE(!claim(b, "ws:alice", "send", handler(echo, "b", log_b)));
  // A call for alice reaches a after she moved to b, from a caller that had
  // not heard yet: a answers "moved" and names b.
  envelope late;
  late.type = "call";
  late.id = "late";
  late.reply = "callreply:inbox:probe";
  late.target = "ws:alice";
  late.method = "send";
  late.remaining_ns = std::chrono::nanoseconds{2s}.count();
  auto replies = std::make_shared<recorded_watch>();
  auto probe = sys.spawn(
    [replies](subscriber_actor::pointer) -> subscriber_actor::behavior_type {
      return {
        [replies](deliver_atom, const std::string&, const bytes& payload,
                  const ingest_ticket&) {
          event x;
          x.value = payload;
          replies->events.push_back(std::move(x));
        },
        [](resync_atom, const std::string&) {},
      };
    });
  CAF_REQUIRE(call<ok_atom>(transport, subscribe_atom::value,
                            std::string{"callreply:inbox:probe"}, probe));
  self->send(a.actor, deliver_atom::value, std::string{"inbox"},
             to_bytes(encode_envelope(late)), ingest_ticket{});
  consume_messages();
  CAF_REQUIRE_EQUAL(replies->events.size(), 1u);
  auto& raw = replies->events[0].value;
  auto reply = decode_envelope(raw.data(), raw.size());
  CAF_REQUIRE(reply);
  CAF_CHECK_EQUAL(reply->code, "moved");
  CAF_CHECK_EQUAL(reply->owner, "b");
  CAF_CHECK_EQUAL(log_a->calls, 0);
}

CAF_TEST(a caller whose replica lags follows moved to the new owner) {
  auto a = start("a");
  auto b = start("b");
  auto log_a = std::make_shared<handler_log>();
  auto log_b = std::make_shared<handler_log>();
  CAF_REQUIRE(!claim(a, "ws:alice", "send", handler(echo, "a", log_a)));
  CAF_REQUIRE(!claim(b, "ws:alice", "send", handler(echo, "b", log_b)));
  // c's routing store hears nothing of the others: it still names a, as a
  // replica that missed the move would. Its inbox is on the shared
  // transport.
  auto shared = transport;
  transport = net::spawn_memory_transport(sys);
  auto lagging
    = open_with("c", make_options("c"),
                make_value_ops<nlohmann::json, json_codec<nlohmann::json>>());
  transport = shared;
  CAF_REQUIRE(
    call<version>(lagging.actor, set_atom::value,
                  write_item{"ws:alice", encode_route("a", 1), nullptr}));
  endpoint_config cfg;
  cfg.pod = "c";
  cfg.transport = transport;
  cfg.routing = lagging;
  auto c = spawn_endpoint(sys, cfg);
  endpoints.push_back(c);
  CAF_REQUIRE(call<ok_atom>(c, open_atom::value));
  auto res
    = call<bytes>(c, call_atom::value, std::string{"ws:alice"},
                  std::string{"send"}, to_bytes("hi"), caf::timespan{2s});
  CAF_REQUIRE(res);
  CAF_CHECK_EQUAL(to_string(*res), "b:hi");
  CAF_CHECK_EQUAL(log_a->calls, 0);
  CAF_CHECK_EQUAL(log_b->calls, 1);
}

CAF_TEST_FIXTURE_SCOPE_END()
