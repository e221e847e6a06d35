#define CAF_SUITE libpodshare.callreply.facade

#include "podshare/callreply/endpoint.hpp"

#include "podshare/callreply/metrics.hpp"

#include "podshare/configure.hpp"
#include "podshare/error.hpp"
#include "podshare/net/memory/spawn.hpp"

#include "support/eventually.hpp"

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include "support/callreply.hpp"

#include <caf/test/dsl.hpp>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <condition_variable>
#include <future>
#include <mutex>
#include <stdexcept>

#include <unistd.h>

using namespace podshare;
using namespace podshare::callreply;
using namespace podshare::testing;
using namespace std::chrono_literals;

namespace {

struct fixture {
  fixture() : sys(init(cfg)), transport(net::spawn_memory_transport(sys)) {}

  ~fixture() { caf::anon_send(transport, close_atom::value); }

  static caf::actor_system_config& init(caf::actor_system_config& cfg) {
    podshare::configure(cfg);
    return cfg;
  }

  endpoint open(const std::string& pod) {
    endpoint_options opts;
    opts.pod = pod;
    opts.call_timeout = 10s;
    auto res = endpoint::open(sys, transport, opts);
    if (!res)
      CAF_FAIL(describe(res.error()));
    return std::move(*res);
  }

  caf::actor_system_config cfg;
  caf::actor_system sys;
  transport_actor transport;
};

// Lets a test hold handlers until it opens the gate.
struct gate {
  std::mutex mtx;
  std::condition_variable cv;
  bool open = false;
  int waiting = 0;

  void wait() {
    std::unique_lock<std::mutex> guard{mtx};
    ++waiting;
    cv.notify_all();
    cv.wait(guard, [this] { return open; });
  }

  void wait_for_waiters(int n) {
    std::unique_lock<std::mutex> guard{mtx};
    cv.wait(guard, [&] { return waiting >= n; });
  }

  void release() {
    std::lock_guard<std::mutex> guard{mtx};
    open = true;
    cv.notify_all();
  }
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(callreply_facade_tests, fixture)

CAF_TEST(function handlers answer calls from another endpoint) {
  auto a = open("a");
  auto b = open("b");
  CAF_REQUIRE(!a.register_handler(
    "ws:alice", "send", [](const call_context& ctx, const bytes& args) {
      return caf::expected<bytes>{
        to_bytes(ctx.target + "." + ctx.method + "(" + to_string(args) + ")")};
    }));
  // b hears of the claim through the transport.
  CAF_REQUIRE(eventually([&] { return b.owner("ws:alice") == "a"; }));
  auto res = b.call("ws:alice", "send", to_bytes("hi"));
  CAF_REQUIRE(res);
  CAF_CHECK_EQUAL(to_string(*res), "ws:alice.send(hi)");
  CAF_CHECK_EQUAL(stats_of(b).ok, 1u);
}

CAF_TEST(a throwing handler is a handler error with the exception text) {
  auto a = open("a");
  auto b = open("b");
  CAF_REQUIRE(!a.register_handler(
    "t", "m", [](const call_context&, const bytes&) -> caf::expected<bytes> {
      throw std::runtime_error("out of widgets");
    }));
  CAF_REQUIRE(eventually([&] { return b.owner("t") == "a"; }));
  auto res = b.call("t", "m", {});
  CAF_CHECK_EQUAL(res.error(), ec::handler_error);
  CAF_CHECK_EQUAL(reason_of(res.error()), "out of widgets");
}

CAF_TEST(blocking handlers run side by side up to the cap) {
  endpoint_options opts;
  opts.pod = "a";
  opts.max_handlers = 2;
  auto a = endpoint::open(sys, transport, opts);
  CAF_REQUIRE(a);
  auto b = open("b");
  gate g;
  CAF_REQUIRE(!a->register_handler(
    "t", "m",
    [&g](const call_context&, const bytes&) -> caf::expected<bytes> {
      g.wait();
      return to_bytes("done");
    },
    handler_options{true}));
  CAF_REQUIRE(eventually([&] { return b.owner("t") == "a"; }));
  auto first
    = std::async(std::launch::async, [&] { return b.call("t", "m", {}); });
  auto second
    = std::async(std::launch::async, [&] { return b.call("t", "m", {}); });
  // Both run at once, each on a thread of its own; a third is turned away.
  g.wait_for_waiters(2);
  CAF_CHECK_EQUAL(error_of(b.call("t", "m", {})), ec::busy);
  g.release();
  CAF_CHECK_EQUAL(to_string(first.get().value()), "done");
  CAF_CHECK_EQUAL(to_string(second.get().value()), "done");
}

CAF_TEST(close cancels running handlers and does not wait for them) {
  auto a = open("a");
  auto b = open("b");
  std::atomic<bool> saw_cancel{false};
  std::atomic<bool> started{false};
  CAF_REQUIRE(!a.register_handler(
    "t", "m",
    [&](const call_context& ctx, const bytes&) -> caf::expected<bytes> {
      started = true;
      while (!ctx.cancelled())
        std::this_thread::yield();
      saw_cancel = true;
      return caf::make_error(ec::closed, "cancelled");
    },
    handler_options{true}));
  CAF_REQUIRE(eventually([&] { return b.owner("t") == "a"; }));
  auto pending
    = std::async(std::launch::async, [&] { return b.call("t", "m", {}, 30s); });
  CAF_REQUIRE(eventually([&] { return started.load(); }));
  CAF_CHECK(!a.close());
  CAF_CHECK(eventually([&] { return saw_cancel.load(); }));
  // a answered the call it was serving as it closed.
  CAF_CHECK_EQUAL(error_of(pending.get()), ec::closed);
  CAF_CHECK(eventually([&] { return !b.owner("t"); }));
}

CAF_TEST(calls after close are closed) {
  auto a = open("a");
  CAF_REQUIRE(!a.close());
  CAF_CHECK_EQUAL(error_of(a.call("t", "m", {})), ec::closed);
  CAF_CHECK(!a.close());
}

CAF_TEST(metrics count the calls per outcome and pass promtool) {
  auto a = open("a");
  auto b = open("b");
  CAF_REQUIRE(
    !a.register_handler("t", "m", [](const call_context&, const bytes& args) {
      return caf::expected<bytes>{args};
    }));
  CAF_REQUIRE(eventually([&] { return b.owner("t") == "a"; }));
  CAF_REQUIRE(b.call("t", "m", {}));
  CAF_REQUIRE(b.call("t", "m", {}));
  CAF_CHECK_EQUAL(error_of(b.call("t", "other", {})), ec::no_handler);
  CAF_CHECK_EQUAL(error_of(b.call("nobody", "m", {})), ec::no_route);
  auto text = metrics::render(
    collect_metrics({{"a", stats_of(a)}, {"b", stats_of(b)}}));
  auto has = [&](const std::string& line) {
    return text.find(line + "\n") != std::string::npos;
  };
  CAF_CHECK(has(R"(podshare_callreply_calls_total{pod="b",outcome="ok"} 2)"));
  CAF_CHECK(
    has(R"(podshare_callreply_calls_total{pod="b",outcome="no_handler"} 1)"));
  CAF_CHECK(
    has(R"(podshare_callreply_calls_total{pod="b",outcome="no_route"} 1)"));
  CAF_CHECK(has(R"(podshare_callreply_calls_total{pod="b",outcome="busy"} 0)"));
  CAF_CHECK(has(R"(podshare_callreply_served_total{pod="a"} 3)"));
  CAF_CHECK(has(R"(podshare_callreply_handlers_running{pod="a"} 0)"));
  auto path = "/tmp/podshare-callreply-metrics-" + std::to_string(getpid());
  std::ofstream{path} << text;
  auto rc = std::system(("promtool check metrics < " + path).c_str());
  std::remove(path.c_str());
  CAF_CHECK_EQUAL(rc, 0);
}

CAF_TEST_FIXTURE_SCOPE_END()
