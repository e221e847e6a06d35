#define CAF_SUITE actors.gc

#include "podshare/actors/gc.hpp"

#include "fixture.hpp"

using namespace podshare;
using namespace podshare::testing;
using namespace std::chrono_literals;

CAF_TEST_FIXTURE_SCOPE(gc_tests, store_fixture)

CAF_TEST(the gc tick drops tombstones past their ttl) {
  auto opts = make_options("a");
  opts.tombstone_ttl = 24h;
  opts.gc_interval = 5min;
  auto a = open("a", opts);
  CAF_CHECK(erase(a, "old"));
  CAF_CHECK(set(a, "live", "v"));
  clock.advance(23h);
  CAF_CHECK(erase(a, "young"));
  clock.advance(2h);
  // One GC interval later the sweep runs.
  advance_time(5min);
  consume_messages();
  CAF_CHECK(a.map->find("old") == nullptr);
  CAF_CHECK(a.map->find("young") != nullptr);
  CAF_CHECK_EQUAL(get(a, "live"), std::optional<std::string>{"v"});
  auto st = a.counters->read();
  CAF_CHECK_EQUAL(st.tombstones_gced, 1u);
  CAF_CHECK_EQUAL(st.tombstones, 1u);
  CAF_CHECK_EQUAL(st.keys, 1u);
}

CAF_TEST(a tombstone rewritten since the scan survives) {
  auto a = open("a");
  CAF_CHECK(erase(a, "k"));
  auto* old = a.map->find("k");
  CAF_REQUIRE(old != nullptr);
  auto stale = expired_tombstone{"k", old->version()};
  CAF_CHECK(set(a, "k", "back"));
  self->send(a.actor, expire_atom::value,
             std::vector<expired_tombstone>{stale});
  consume_messages();
  CAF_CHECK_EQUAL(get(a, "k"), std::optional<std::string>{"back"});
  CAF_CHECK_EQUAL(a.counters->read().tombstones_gced, 0u);
}

CAF_TEST(a zero gc interval disables the tick) {
  auto a = open("a"); // the fixture's options set the interval to zero
  CAF_CHECK(erase(a, "k"));
  pass(200ms); // the snapshot, which would also drop expired tombstones
  clock.advance(48h);
  advance_time(1h);
  consume_messages();
  CAF_CHECK(a.map->find("k") != nullptr);
}

CAF_TEST_FIXTURE_SCOPE_END()
