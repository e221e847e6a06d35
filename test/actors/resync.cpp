#define CAF_SUITE actors.resync

// What a store does when its transport says messages may have been lost
// (`resync`): refresh, republish its own writes whose broadcast failed, and
// persist its snapshot at once. Deterministic: a fault transport fails the
// publishes, the test coordinator runs every actor.

#include "fault_transport.hpp"
#include "fixture.hpp"
#include "podshare/wire.hpp"

using namespace podshare;
using namespace podshare::testing;
using namespace std::chrono_literals;

namespace {

struct fixture : store_fixture {
  void resync(const store_handle& s) {
    self->send(s.actor, resync_atom::value, topic);
    consume_messages();
  }
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(resync_tests, fixture)

CAF_TEST(writes whose broadcast failed reach peers after a resync) {
  auto switches = std::make_shared<faults>();
  auto a = open_on("a", spawn_fault_transport(sys, transport, switches));
  auto b = open("b");
  CAF_CHECK(set(a, "before", "sent"));
  switches->fail_publish = true;
  auto lost = set(a, "lost", "kept locally");
  CAF_CHECK_EQUAL(error_of(lost), caf::make_error(ec::broadcast_failed));
  auto erased = erase(a, "before");
  CAF_CHECK_EQUAL(error_of(erased), caf::make_error(ec::broadcast_failed));
  CAF_CHECK_EQUAL(get(a, "lost"), std::optional<std::string>{"kept locally"});
  CAF_CHECK(!get(b, "lost"));
  CAF_CHECK_EQUAL(get(b, "before"), std::optional<std::string>{"sent"});
  switches->fail_publish = false;
  resync(a);
  CAF_CHECK_EQUAL(get(b, "lost"), std::optional<std::string>{"kept locally"});
  CAF_CHECK(!get(b, "before"));
  CAF_CHECK_EQUAL(b.counters->read().writes_rejected, 0u);
}

CAF_TEST(a resync with nothing lost republishes nothing) {
  auto a = open("a");
  auto b = open("b");
  auto recorded = std::make_shared<recorded_watch>();
  CAF_CHECK(set(a, "k", "v"));
  CAF_CHECK(call<watch_id>(b.actor, watch_atom::value, watch_filter::all(),
                           spawn_recorder(sys, recorded)));
  resync(a);
  CAF_CHECK(recorded->events.empty());
}

CAF_TEST(a failed republish is retried at the next resync) {
  auto switches = std::make_shared<faults>();
  auto a = open_on("a", spawn_fault_transport(sys, transport, switches));
  auto b = open("b");
  auto recorded = std::make_shared<recorded_watch>();
  CAF_CHECK(call<watch_id>(b.actor, watch_atom::value, watch_filter::all(),
                           spawn_recorder(sys, recorded)));
  switches->fail_publish = true;
  CAF_CHECK(!set(a, "k", "v"));
  // Still failing: the republish fails and the write stays pending. The
  // digest the resync sends reaches b on the repair topic, which is not
  // failing here, and b fetches the write by difference.
  resync(a);
  CAF_CHECK_EQUAL(get(b, "k"), std::optional<std::string>{"v"});
  CAF_CHECK_EQUAL(b.counters->read().repairs_requested, 1u);
  switches->fail_publish = false;
  auto publishes = switches->publishes.load();
  resync(a);
  CAF_CHECK_EQUAL(switches->publishes.load(), publishes + 1);
  CAF_CHECK_EQUAL(recorded->events.size(), 1u);
}

CAF_TEST(a resync persists the snapshot at once) {
  auto a = open("a");
  CAF_CHECK(set(a, "k", "v"));
  pass(200ms);
  CAF_CHECK_EQUAL(a.counters->read().snapshots, 1u);
  // The transport lost the stored snapshot (a restarted server): it says
  // so when asked, and the store persists at once.
  CAF_CHECK(call<ok_atom>(transport, store_snap_atom::value, topic, bytes{}));
  resync(a);
  CAF_CHECK_EQUAL(a.counters->read().snapshots, 2u);
  // No peer answered the digest the resync sent: the store also loads the
  // stored snapshot, its own, and has nothing more to persist.
  advance_time(a.options.transport_timeout);
  consume_messages();
  CAF_CHECK_EQUAL(a.counters->read().repairs_full, 1u);
  CAF_CHECK_EQUAL(a.counters->read().snapshots, 2u);
  auto stored = call<bytes>(transport, fetch_snap_atom::value, topic);
  CAF_REQUIRE(stored);
  CAF_CHECK(!stored->empty());
}

CAF_TEST(
  a resync of a quiet store whose own snapshot is stored persists nothing) {
  auto a = open("a");
  CAF_CHECK(set(a, "k", "v"));
  pass(200ms);
  CAF_CHECK_EQUAL(a.counters->read().snapshots, 1u);
  resync(a);
  pass(200ms);
  CAF_CHECK_EQUAL(a.counters->read().snapshots, 1u);
}

CAF_TEST(a resync persists at once a change whose snapshot failed) {
  auto switches = std::make_shared<faults>();
  auto a = open_on("a", spawn_fault_transport(sys, transport, switches));
  CAF_CHECK(set(a, "k", "v"));
  pass(200ms);
  CAF_CHECK_EQUAL(a.counters->read().snapshots, 1u);
  // Its own snapshot stays stored while the next one fails, and the retry
  // backs off; the resync must not wait for it.
  switches->fail_snapshots = true;
  CAF_CHECK(set(a, "k2", "v2"));
  pass(200ms);
  CAF_CHECK_EQUAL(a.counters->read().snapshots, 1u);
  switches->fail_snapshots = false;
  resync(a);
  CAF_CHECK_EQUAL(a.counters->read().snapshots, 2u);
  auto stored = call<bytes>(transport, fetch_snap_atom::value, topic);
  CAF_REQUIRE(stored);
  auto entries = wire::decode_snapshot(stored->data(), stored->size());
  CAF_REQUIRE(entries);
  CAF_CHECK_EQUAL(entries->size(), 2u);
}

CAF_TEST_FIXTURE_SCOPE_END()
