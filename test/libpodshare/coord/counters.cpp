#define CAF_SUITE libpodshare.coord.counters

#include "podshare/coord/counters.hpp"

#include "podshare/configure.hpp"
#include "podshare/error.hpp"
#include "podshare/coord/generation.hpp"
#include "podshare/net/memory/spawn.hpp"
#include "fault_transport.hpp"
#include "support/eventually.hpp"

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/test/unit_test.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <memory>
#include <thread>

using namespace podshare;
using namespace podshare::coord;
using namespace std::chrono_literals;
using podshare::testing::eventually;

namespace {

struct fixture {
  fixture() : sys(init(cfg)), transport(net::spawn_memory_transport(sys)) {}

  ~fixture() {
    for (auto& c : pods)
      c->close();
    anon_send_exit(transport, caf::exit_reason::user_shutdown);
  }

  static caf::actor_system_config& init(caf::actor_system_config& cfg) {
    configure(cfg);
    return cfg;
  }

  // A pod's counters writing slot `writer`, dated by the shared wall clock.
  counters& pod(const std::string& writer) {
    counters_options opts;
    opts.writer = writer;
    auto now = wall;
    opts.store.wall_clock = [now] { return now->load(); };
    auto c = counters::open(sys, transport, opts);
    CAF_REQUIRE(c);
    pods.push_back(std::move(*c));
    return *pods.back();
  }

  void advance(caf::timespan x) { wall->fetch_add(x.count()); }

  // Closes `x`, as a pod that stops; it no longer counts as a replica.
  void stop(counters& x) {
    CAF_CHECK(!x.close());
    auto i = std::find_if(pods.begin(), pods.end(),
                          [&](auto& c) { return c.get() == &x; });
    stopped.push_back(std::move(*i));
    pods.erase(i);
  }

  // Whether every pod reads `expected` for `key` once replication settles.
  bool all_read(const std::string& key, int64_t expected) {
    return eventually([&] {
      return std::all_of(pods.begin(), pods.end(),
                         [&](auto& c) { return c->value(key) == expected; });
    });
  }

  caf::actor_system_config cfg;
  caf::actor_system sys;
  transport_actor transport;
  std::shared_ptr<std::atomic<int64_t>> wall
    = std::make_shared<std::atomic<int64_t>>(1767225600LL * 1000000000LL);
  std::vector<std::unique_ptr<counters>> pods;
  std::vector<std::unique_ptr<counters>> stopped;
};

// The value of a call that must succeed, by value: the test macros keep
// references, which must not outlive a temporary's full expression.
template <class T>
T ok(const caf::expected<T>& x) {
  CAF_REQUIRE(x);
  return *x;
}

size_t held_count(const membership& m) {
  auto held = m.held();
  CAF_REQUIRE(held);
  return held->size();
}

} // namespace

CAF_TEST_FIXTURE_SCOPE(counters_tests, fixture)

CAF_TEST(increments and decrements from three pods add up everywhere) {
  auto& a = pod(fresh_generation());
  auto& b = pod(fresh_generation());
  auto& c = pod(fresh_generation());
  CAF_CHECK_EQUAL(a.value("k"), 0);
  CAF_CHECK_EQUAL(ok(a.incr("k", 5)), 5);
  CAF_REQUIRE(all_read("k", 5));
  CAF_CHECK_EQUAL(ok(b.incr("k")), 6);
  CAF_REQUIRE(all_read("k", 6));
  CAF_CHECK_EQUAL(ok(c.decr("k", 10)), -4);
  CAF_CHECK(all_read("k", -4));
  for (auto* x : {&a, &b, &c}) {
    CAF_CHECK_EQUAL(x->clamped("k"), 0u);
    CAF_CHECK_EQUAL(x->slots("k"), 3u);
  }
}

CAF_TEST(concurrent increments are never lost) {
  auto& a = pod(fresh_generation());
  auto& b = pod(fresh_generation());
  std::atomic<int> failures{0};
  auto hammer = [&failures](counters* x) {
    for (int i = 0; i < 1000; ++i)
      if (!x->incr("k"))
        ++failures;
  };
  std::thread ta{hammer, &a};
  std::thread tb{hammer, &b};
  ta.join();
  tb.join();
  CAF_CHECK_EQUAL(failures.load(), 0);
  CAF_CHECK(all_read("k", 2000));
  // Storage grows with writers, not with increments.
  CAF_CHECK_EQUAL(a.slots("k"), 2u);
}

CAF_TEST(a restarted pod writes a new slot and loses nothing) {
  auto& a = pod(fresh_generation());
  auto& b = pod(fresh_generation());
  CAF_REQUIRE(b.incr("k", 7));
  CAF_REQUIRE(all_read("k", 7));
  stop(b);
  // The same pod restarted with nothing: a new generation.
  auto& again = pod(fresh_generation());
  CAF_CHECK_EQUAL(again.value("k"), 7);
  CAF_CHECK_EQUAL(ok(again.incr("k", 3)), 10);
  CAF_CHECK(all_read("k", 10));
  CAF_CHECK_EQUAL(a.slots("k"), 2u);
}

CAF_TEST(an increment whose broadcast failed counts once and travels later) {
  auto switches = std::make_shared<testing::faults>();
  auto faulty = testing::spawn_fault_transport(sys, transport, switches);
  counters_options opts;
  opts.writer = fresh_generation();
  auto c = counters::open(sys, faulty, opts);
  CAF_REQUIRE(c);
  auto& peer = pod(fresh_generation());
  CAF_CHECK_EQUAL(ok((*c)->incr("k", 2)), 2);
  CAF_REQUIRE(all_read("k", 2));
  switches->fail_publish = true;
  auto failed = (*c)->incr("k", 3);
  CAF_REQUIRE(!failed);
  CAF_CHECK_EQUAL(failed.error(), ec::broadcast_failed);
  // Counted here; the peer has not heard of it.
  CAF_CHECK_EQUAL((*c)->value("k"), 5);
  CAF_CHECK_EQUAL(peer.value("k"), 2);
  switches->fail_publish = false;
  // The next write carries it: counted once, everywhere.
  CAF_CHECK_EQUAL(ok((*c)->incr("k", 1)), 6);
  CAF_CHECK(eventually([&] { return peer.value("k") == 6; }));
  CAF_CHECK(!(*c)->close());
  anon_send_exit(faulty, caf::exit_reason::user_shutdown);
}

CAF_TEST(a writer id used before continues from its totals) {
  auto writer = fresh_generation();
  auto& a = pod(writer);
  CAF_REQUIRE(a.incr("k", 4));
  stop(a);
  auto& same = pod(writer);
  CAF_CHECK_EQUAL(ok(same.incr("k")), 5);
  CAF_CHECK_EQUAL(same.slots("k"), 1u);
}

CAF_TEST(fold moves dead writers into a live slot on every pod) {
  auto live_writer = fresh_generation();
  auto& a = pod(live_writer);
  auto& b = pod(fresh_generation());
  auto& c = pod(fresh_generation());
  CAF_REQUIRE(a.incr("k", 1));
  CAF_REQUIRE(b.incr("k", 10));
  CAF_REQUIRE(c.decr("k", 100));
  CAF_REQUIRE(b.incr("other", 2));
  CAF_REQUIRE(all_read("k", -89) && all_read("other", 2));
  // Only a's generation heartbeats: b and c are gone.
  membership_options mopts;
  mopts.name = "a";
  mopts.generation = live_writer;
  mopts.ttl = 2s;
  auto members = membership::join(sys, transport, mopts);
  CAF_REQUIRE(members);
  CAF_REQUIRE(eventually([&] {
    auto held = members->held();
    return held && held->size() == 256;
  }));
  // Not yet past the quarantine: nothing folds.
  CAF_CHECK_EQUAL(ok(a.fold(*members, 10min)), 0u);
  advance(11min);
  CAF_CHECK_EQUAL(ok(a.fold(*members, 10min)), 3u);
  CAF_CHECK(eventually([&] {
    return b.slots("k") == 1u && c.slots("k") == 1u && b.slots("other") == 1u
           && c.slots("other") == 1u;
  }));
  for (auto* x : {&a, &b, &c}) {
    CAF_CHECK_EQUAL(x->value("k"), -89);
    CAF_CHECK_EQUAL(x->slots("k"), 1u);
    CAF_CHECK_EQUAL(x->value("other"), 2);
    CAF_CHECK_EQUAL(x->slots("other"), 1u);
  }
  // The folder keeps counting on top of what it absorbed.
  CAF_CHECK_EQUAL(ok(a.incr("k")), -88);
  CAF_CHECK(all_read("k", -88));
  // b was only silent (as behind a partition): what it adds now would be
  // dropped everywhere, so it is refused rather than lost.
  auto late = b.incr("k");
  CAF_REQUIRE(!late);
  CAF_CHECK_EQUAL(late.error(), ec::writer_folded);
  CAF_CHECK_EQUAL(b.value("k"), -88);
  CAF_CHECK(!members->leave());
}

CAF_TEST(a pod that does not own a counter does not fold it) {
  auto& a = pod(fresh_generation());
  auto& b = pod(fresh_generation());
  CAF_REQUIRE(b.incr("k", 10));
  CAF_REQUIRE(all_read("k", 10));
  membership_options mopts;
  mopts.name = "a";
  mopts.generation = a.writer();
  mopts.ttl = 2s;
  mopts.partitions = 1;
  auto ma = membership::join(sys, transport, mopts);
  CAF_REQUIRE(ma);
  mopts.name = "z";
  mopts.generation = fresh_generation();
  auto mz = membership::join(sys, transport, mopts);
  CAF_REQUIRE(mz);
  // With one partition, one of the two owns every counter.
  CAF_REQUIRE(
    eventually([&] { return held_count(*ma) + held_count(*mz) == 1; }));
  advance(11min);
  auto folded = a.fold(*ma, 10min);
  CAF_REQUIRE(folded);
  CAF_CHECK_EQUAL(*folded, held_count(*ma));
  CAF_CHECK_EQUAL(a.value("k"), 10);
  ma->leave();
  mz->leave();
}

CAF_TEST_FIXTURE_SCOPE_END()
