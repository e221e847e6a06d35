#define CAF_SUITE actors.snapshotter

#include "podshare/actors/snapshotter.hpp"

#include "fault_transport.hpp"
#include "fixture.hpp"

#include <cmath>

using namespace podshare;
using namespace podshare::testing;
using namespace std::chrono_literals;

namespace {

struct fixture : store_fixture {
  /// Decodes the transport's stored snapshot of the topic.
  std::vector<event> stored_snapshot() {
    auto payload = call<bytes>(transport, fetch_snap_atom::value, topic);
    CAF_REQUIRE(payload);
    if (payload->empty())
      return {};
    auto entries = wire::decode_snapshot(payload->data(), payload->size());
    CAF_REQUIRE(entries);
    return *entries;
  }

  static bool holds(const std::vector<event>& xs, const std::string& key) {
    for (auto& x : xs)
      if (x.key == key)
        return true;
    return false;
  }
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(snapshotter_tests, fixture)

CAF_TEST(a burst of writes coalesces into one snapshot) {
  auto a = open("a");
  for (int i = 0; i < 50; ++i)
    CAF_CHECK(set(a, "k" + std::to_string(i), "v"));
  pass(100ms);
  CAF_CHECK_EQUAL(a.counters->read().snapshots, 0u);
  pass(100ms);
  CAF_CHECK_EQUAL(a.counters->read().snapshots, 1u);
  CAF_CHECK_EQUAL(stored_snapshot().size(), 50u);
  // Nothing changed: no further snapshot.
  pass(1s);
  CAF_CHECK_EQUAL(a.counters->read().snapshots, 1u);
}

CAF_TEST(tombstones older than the ttl are not in the next snapshot) {
  auto opts = make_options("a");
  opts.tombstone_ttl = 1h;
  auto a = open("a", opts);
  CAF_CHECK(erase(a, "old"));
  pass(200ms);
  CAF_CHECK(holds(stored_snapshot(), "old"));
  clock.advance(2h);
  CAF_CHECK(erase(a, "young"));
  pass(200ms);
  auto entries = stored_snapshot();
  CAF_CHECK(!holds(entries, "old"));
  CAF_CHECK(holds(entries, "young"));
  // The store dropped the expired tombstone from its map too.
  CAF_CHECK(a.map->find("old") == nullptr);
  CAF_CHECK_EQUAL(a.counters->read().tombstones_gced, 1u);
  CAF_CHECK_EQUAL(a.counters->read().tombstones, 1u);
}

CAF_TEST(a failing snapshot is reported and retried with backoff) {
  auto switches = std::make_shared<faults>();
  switches->fail_snapshots = true;
  auto a = open_on("a", spawn_fault_transport(sys, transport, switches));
  CAF_CHECK(set(a, "k", "v"));
  pass(200ms);
  CAF_CHECK(reported(ec::snapshot_failed));
  CAF_CHECK_EQUAL(a.counters->read().snapshots, 0u);
  CAF_CHECK(set(a, "k2", "v"));
  pass(200ms);
  CAF_CHECK_EQUAL(reports->size(), 2u);
  // The second failure doubled the delay.
  switches->fail_snapshots = false;
  pass(200ms);
  CAF_CHECK_EQUAL(a.counters->read().snapshots, 0u);
  pass(200ms);
  CAF_CHECK_EQUAL(a.counters->read().snapshots, 1u);
  CAF_CHECK_EQUAL(stored_snapshot().size(), 2u);
}

// A transport slower than the interval must not collect a queue of
// snapshots, each the size of the map: one is in flight at a time, and the
// next, built when it ends, holds what changed meanwhile.
CAF_TEST(a snapshot waits for the one in flight) {
  auto switches = std::make_shared<faults>();
  switches->hang_snapshots = true;
  auto a = open_on("a", spawn_fault_transport(sys, transport, switches));
  CAF_CHECK(set(a, "k1", "v"));
  pass(200ms);
  CAF_CHECK_EQUAL(switches->snapshots.load(), 1);
  for (auto key : {"k2", "k3", "k4"}) {
    CAF_CHECK(set(a, key, "v"));
    pass(200ms);
  }
  CAF_CHECK_EQUAL(switches->snapshots.load(), 1);
  // The hung snapshot fails at the transport timeout; the next holds all.
  switches->hang_snapshots = false;
  pass(a.options.transport_timeout);
  CAF_CHECK(reported(ec::snapshot_failed));
  pass(1s);
  CAF_CHECK_EQUAL(switches->snapshots.load(), 2);
  CAF_CHECK_EQUAL(stored_snapshot().size(), 4u);
}

CAF_TEST(close flushes a final snapshot at once) {
  auto a = open("a");
  CAF_CHECK(set(a, "k", "v"));
  CAF_CHECK(call<ok_atom>(a.actor, close_atom::value, caf::timespan{1s}));
  CAF_CHECK_EQUAL(a.counters->read().snapshots, 1u);
  CAF_CHECK(holds(stored_snapshot(), "k"));
}

CAF_TEST(building a snapshot reads a pinned view while the store writes) {
  auto a = open("a");
  for (int i = 0; i < 100; ++i)
    CAF_CHECK(set(a, "k" + std::to_string(i), "v"));
  actors::snapshotter_state st;
  st.cfg.map = a.map;
  st.cfg.values = a.values;
  st.cfg.counters = a.counters;
  st.cfg.options = make_options("a");
  auto built = st.build(clock.now->load());
  // Writes after the build do not change what was built.
  CAF_CHECK(set(a, "late", "v"));
  auto entries
    = wire::decode_snapshot(built.payload.data(), built.payload.size());
  CAF_REQUIRE(entries);
  CAF_CHECK_EQUAL(entries->size(), 100u);
}

CAF_TEST(slow builds space the next snapshots out to their cpu share) {
  // Encoding a value "takes" 20 ms of the test clock: a build of 5 values
  // takes 100 ms, so at the default share of 0.2 the next build may start
  // 400 ms after this one ended, not one snapshot interval after a change.
  auto values = make_value_ops<std::string>();
  auto encode_into = values.encode_into;
  auto& now = sched.clock().current_time;
  values.encode_into = [encode_into, &now](const void* x, bytes& out) {
    now += 20ms;
    return encode_into(x, out);
  };
  auto a = open_with("a", make_options("a"), values);
  for (int i = 0; i < 5; ++i)
    CAF_CHECK(set(a, "k" + std::to_string(i), "v"));
  pass(200ms);
  CAF_REQUIRE_EQUAL(a.counters->read().snapshots, 1u);
  CAF_CHECK(set(a, "k5", "v"));
  pass(200ms);
  CAF_CHECK_EQUAL(a.counters->read().snapshots, 1u);
  pass(200ms);
  CAF_CHECK_EQUAL(a.counters->read().snapshots, 2u);
  CAF_CHECK_EQUAL(stored_snapshot().size(), 6u);
}

CAF_TEST(the next build waits for the share its predecessor used) {
  using actors::earliest_next_build;
  caf::actor_clock::time_point t0{};
  auto end = t0 + 50ms;
  CAF_CHECK(earliest_next_build(t0, end, 0.2) == end + 200ms);
  CAF_CHECK(earliest_next_build(t0, end, 0.5) == end + 50ms);
  // Outside (0, 1) there is no bound.
  CAF_CHECK(earliest_next_build(t0, end, 1.0) == end);
  CAF_CHECK(earliest_next_build(t0, end, 0.0) == end);
  CAF_CHECK(earliest_next_build(t0, end, std::nan("")) == end);
}

CAF_TEST_FIXTURE_SCOPE_END()
