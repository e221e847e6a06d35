#define CAF_SUITE actors.store

#include "podshare/actors/store.hpp"

#include "fixture.hpp"

using namespace podshare;
using namespace podshare::testing;
using namespace std::chrono_literals;

namespace {

struct fixture : store_fixture {
  version peer_version(int64_t offset_ns, std::string origin, uint64_t seq) {
    return version{clock.now->load() + offset_ns, std::move(origin), seq};
  }
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(store_tests, fixture)

CAF_TEST(a set replicates to a peer store) {
  auto a = open("a");
  auto b = open("b");
  CAF_CHECK(set(a, "flag", "on"));
  CAF_CHECK_EQUAL(get(a, "flag"), std::optional<std::string>{"on"});
  CAF_CHECK_EQUAL(get(b, "flag"), std::optional<std::string>{"on"});
}

CAF_TEST(a delete replicates to a peer store) {
  auto a = open("a");
  auto b = open("b");
  CAF_CHECK(set(a, "flag", "on"));
  CAF_CHECK(erase(b, "flag"));
  CAF_CHECK_EQUAL(get(a, "flag"), std::nullopt);
  CAF_CHECK_EQUAL(get(b, "flag"), std::nullopt);
  CAF_CHECK(a.map->find("flag")->tombstone());
}

CAF_TEST(last write wins by timestamp then origin then seq) {
  auto s = open("a");
  deliver(s, peer_event(event_kind::set, "k", "t1", peer_version(10, "m", 1)));
  deliver(s, peer_event(event_kind::set, "k", "t0", peer_version(5, "z", 9)));
  CAF_CHECK_EQUAL(get(s, "k"), std::optional<std::string>{"t1"});
  // Equal timestamps: the byte-wise greater origin wins.
  deliver(s, peer_event(event_kind::set, "k", "n", peer_version(10, "n", 1)));
  deliver(s, peer_event(event_kind::set, "k", "l", peer_version(10, "l", 7)));
  CAF_CHECK_EQUAL(get(s, "k"), std::optional<std::string>{"n"});
  // Equal timestamp and origin: the greater seq wins.
  deliver(s, peer_event(event_kind::set, "k", "n2", peer_version(10, "n", 2)));
  CAF_CHECK_EQUAL(get(s, "k"), std::optional<std::string>{"n2"});
  // Tombstones compete like values.
  deliver(s, peer_event(event_kind::erase, "k", "", peer_version(10, "n", 1)));
  CAF_CHECK_EQUAL(get(s, "k"), std::optional<std::string>{"n2"});
  CAF_CHECK_EQUAL(s.counters->read().writes_rejected, 3u);
}

CAF_TEST(an identical version is a duplicate and is ignored) {
  auto s = open("a");
  auto msg = peer_event(event_kind::set, "k", "v", peer_version(1, "p", 1));
  deliver(s, msg);
  deliver(s, msg);
  auto st = s.counters->read();
  CAF_CHECK_EQUAL(st.writes_applied, 1u);
  CAF_CHECK_EQUAL(st.writes_rejected, 0u);
}

CAF_TEST(a write after seeing a future dated peer write still wins) {
  auto a = open("a");
  auto b = open("b");
  // A peer whose clock runs an hour ahead writes first.
  deliver(a, peer_event(
               event_kind::set, "k", "future",
               peer_version(std::chrono::nanoseconds{1h}.count(), "zzz", 1)));
  CAF_CHECK_EQUAL(get(a, "k"), std::optional<std::string>{"future"});
  auto v = set(a, "k", "mine");
  CAF_REQUIRE(v);
  CAF_CHECK_EQUAL(get(a, "k"), std::optional<std::string>{"mine"});
  CAF_CHECK_EQUAL(get(b, "k"), std::optional<std::string>{"mine"});
  CAF_CHECK_GREATER(v->timestamp,
                    clock.now->load() + std::chrono::nanoseconds{1h}.count());
}

CAF_TEST(a late joiner is hydrated from the snapshot before open returns) {
  auto a = open("a");
  CAF_CHECK(set(a, "x", "1"));
  CAF_CHECK(set(a, "y", "2"));
  CAF_CHECK(erase(a, "y"));
  pass(200ms);
  CAF_CHECK_EQUAL(a.counters->read().snapshots, 1u);
  auto late = open("late");
  CAF_CHECK_EQUAL(get(late, "x"), std::optional<std::string>{"1"});
  CAF_CHECK_EQUAL(get(late, "y"), std::nullopt);
  CAF_CHECK(late.map->find("y")->tombstone());
  // Loading a snapshot is not a stream of events.
  CAF_CHECK_EQUAL(late.counters->read().events_dispatched, 0u);
}

CAF_TEST(two hundred rapid writes to one key keep the last) {
  auto a = open("a");
  auto b = open("b");
  for (int i = 0; i < 200; ++i)
    self->send(a.actor, set_atom::value,
               write_item{"k", encode(std::to_string(i)), nullptr});
  consume_messages();
  CAF_CHECK_EQUAL(get(a, "k"), std::optional<std::string>{"199"});
  CAF_CHECK_EQUAL(get(b, "k"), std::optional<std::string>{"199"});
  CAF_CHECK_EQUAL(a.map->find("k")->seq(), 200u);
}

CAF_TEST(seed emits nothing and does not broadcast) {
  auto a = open("a");
  auto b = open("b");
  auto seeded
    = call<ok_atom>(a.actor, seed_atom::value,
                    std::vector<write_item>{{"k1", encode("v1"), nullptr},
                                            {"k2", encode("v2"), nullptr}});
  CAF_CHECK(seeded);
  CAF_CHECK_EQUAL(get(a, "k1"), std::optional<std::string>{"v1"});
  CAF_CHECK_EQUAL(get(b, "k1"), std::nullopt);
  auto st = a.counters->read();
  CAF_CHECK_EQUAL(st.events_dispatched, 0u);
  CAF_CHECK_EQUAL(st.writes_local, 0u);
  CAF_CHECK_EQUAL(st.keys, 2u);
}

CAF_TEST(seed is refused on a non empty store) {
  auto a = open("a");
  CAF_CHECK(erase(a, "gone"));
  auto seeded
    = call<ok_atom>(a.actor, seed_atom::value,
                    std::vector<write_item>{{"k1", encode("v1"), nullptr}});
  CAF_CHECK_EQUAL(seeded.error(), ec::seed_on_non_empty_store);
  CAF_CHECK_EQUAL(get(a, "k1"), std::nullopt);
}

CAF_TEST(try set succeeds on the expected version and fails on a stale one) {
  auto a = open("a");
  auto first = call<version>(a.actor, try_set_atom::value,
                             write_item{"k", encode("1"), nullptr}, version{});
  CAF_REQUIRE(first);
  auto again = call<version>(a.actor, try_set_atom::value,
                             write_item{"k", encode("x"), nullptr}, version{});
  CAF_CHECK_EQUAL(again.error(), ec::version_mismatch);
  auto second = call<version>(a.actor, try_set_atom::value,
                              write_item{"k", encode("2"), nullptr}, *first);
  CAF_REQUIRE(second);
  auto stale = call<version>(a.actor, try_set_atom::value,
                             write_item{"k", encode("3"), nullptr}, *first);
  CAF_CHECK_EQUAL(stale.error(), ec::version_mismatch);
  CAF_CHECK_EQUAL(get(a, "k"), std::optional<std::string>{"2"});
}

CAF_TEST(try erase deletes only the expected version) {
  auto a = open("a");
  auto b = open("b");
  auto mine = set(a, "k", "a's");
  CAF_REQUIRE(mine);
  auto theirs = set(b, "k", "b's");
  CAF_REQUIRE(theirs);
  auto stale
    = call<version>(a.actor, try_erase_atom::value, std::string{"k"}, *mine);
  CAF_CHECK_EQUAL(stale.error(), ec::version_mismatch);
  CAF_CHECK_EQUAL(get(a, "k"), std::optional<std::string>{"b's"});
  auto current
    = call<version>(a.actor, try_erase_atom::value, std::string{"k"}, *theirs);
  CAF_REQUIRE(current);
  CAF_CHECK_EQUAL(get(a, "k"), std::nullopt);
  CAF_CHECK_EQUAL(get(b, "k"), std::nullopt);
}

CAF_TEST(a decoded value the writer still holds is copied not moved) {
  auto a = open("a");
  auto b = open("b");
  std::string value(100, 'x');
  auto held = make_erased<std::string>(value);
  auto res = call<version>(a.actor, set_atom::value,
                           write_item{"k", encode(value), held});
  CAF_CHECK(res);
  CAF_CHECK_EQUAL(*static_cast<const std::string*>(held.get()), value);
  CAF_CHECK_EQUAL(get(a, "k"), std::optional<std::string>{value});
  CAF_CHECK_EQUAL(get(b, "k"), std::optional<std::string>{value});
}

CAF_TEST(a batch with one undecodable value applies nothing) {
  auto a = open("a");
  auto b = open("b");
  std::vector<write_item> batch{{"k1", encode("v1"), nullptr},
                                {"k2", bytes{0xc1}, nullptr},
                                {"k3", encode("v3"), nullptr}};
  auto res = call<std::vector<version>>(a.actor, set_many_atom::value, batch);
  CAF_CHECK_EQUAL(res.error(), ec::decode_failed);
  CAF_CHECK_EQUAL(get(a, "k1"), std::nullopt);
  CAF_CHECK_EQUAL(get(b, "k1"), std::nullopt);
  CAF_CHECK_EQUAL(a.counters->read().writes_local, 0u);
}

CAF_TEST(a batch shares one timestamp and takes a seq per item) {
  auto a = open("a");
  auto b = open("b");
  std::vector<write_item> batch{{"k1", encode("v1"), nullptr},
                                {"k2", encode("v2"), nullptr}};
  auto res = call<std::vector<version>>(a.actor, set_many_atom::value, batch);
  CAF_REQUIRE(res);
  CAF_REQUIRE_EQUAL(res->size(), 2u);
  CAF_CHECK_EQUAL((*res)[0].timestamp, (*res)[1].timestamp);
  CAF_CHECK_EQUAL((*res)[0].seq + 1, (*res)[1].seq);
  CAF_CHECK_EQUAL(get(b, "k2"), std::optional<std::string>{"v2"});
  auto erased = call<std::vector<version>>(
    a.actor, erase_many_atom::value, std::vector<std::string>{"k1", "k2"});
  CAF_CHECK(erased);
  CAF_CHECK_EQUAL(b.counters->read().keys, 0u);
  CAF_CHECK_EQUAL(b.counters->read().tombstones, 2u);
}

CAF_TEST(refresh adopts a newer snapshot entry and emits its event) {
  auto a = open("a");
  auto b = open("b");
  // b misses a's write, as if the transport had lost it.
  self->send(transport, unsubscribe_atom::value, topic,
             caf::actor_cast<subscriber_actor>(b.actor));
  consume_messages();
  CAF_CHECK(set(a, "k", "new"));
  pass(200ms);
  CAF_CHECK_EQUAL(get(b, "k"), std::nullopt);
  auto watched = std::make_shared<recorded_watch>();
  CAF_CHECK(call<watch_id>(b.actor, watch_atom::value, watch_filter::all(),
                           spawn_recorder(sys, watched)));
  auto adopted = call<uint64_t>(b.actor, refresh_atom::value);
  CAF_CHECK_EQUAL(adopted, uint64_t{1});
  CAF_CHECK_EQUAL(get(b, "k"), std::optional<std::string>{"new"});
  CAF_REQUIRE_EQUAL(watched->events.size(), 1u);
  CAF_CHECK_EQUAL(watched->events[0].key, "k");
}

CAF_TEST(a merger combines values on every replica) {
  auto a = open_merging("a");
  auto b = open_merging("b");
  CAF_CHECK(set(a, "k", "ca"));
  CAF_CHECK(set(b, "k", "db"));
  CAF_CHECK_EQUAL(get(a, "k"), std::optional<std::string>{"abcd"});
  CAF_CHECK_EQUAL(get(b, "k"), std::optional<std::string>{"abcd"});
}

CAF_TEST(writes after close give closed and reads keep working) {
  auto a = open("a");
  CAF_CHECK(set(a, "k", "v"));
  auto closing = self->request(a.actor, caf::infinite, close_atom::value,
                               caf::timespan{1s});
  auto late = self->request(a.actor, caf::infinite, set_atom::value,
                            write_item{"k", encode("w"), nullptr});
  consume_messages();
  closing.receive([](ok_atom) {},
                  [](caf::error& err) { CAF_FAIL("close failed: " << err); });
  late.receive([](version) { CAF_FAIL("a write after close went through"); },
               [](caf::error& err) { CAF_CHECK_EQUAL(err, ec::closed); });
  CAF_CHECK_EQUAL(get(a, "k"), std::optional<std::string>{"v"});
  // Once closed, the store has exited (see docs/architecture.md).
  CAF_CHECK_EQUAL(error_of(set(a, "k", "x")), caf::sec::request_receiver_down);
}

CAF_TEST(stats counters and gauges match a scripted sequence) {
  auto a = open("a");
  auto b = open("b");
  auto watched = std::make_shared<recorded_watch>();
  CAF_CHECK(call<watch_id>(a.actor, watch_atom::value, watch_filter::all(),
                           spawn_recorder(sys, watched)));
  CAF_CHECK(set(a, "k1", "v"));                       // local 1
  CAF_CHECK(set(a, "k2", "v"));                       // local 2
  CAF_CHECK(erase(a, "k1"));                          // local 3
  CAF_CHECK(set(b, "k3", "v"));                       // remote
  deliver(a, peer_event(event_kind::set, "k3", "old", // rejected
                        version{1, "p", 1}));
  CAF_CHECK(call<std::vector<version>>( // local 4,5
    a.actor, set_many_atom::value,
    std::vector<write_item>{{"k4", encode("v"), nullptr},
                            {"k5", encode("v"), nullptr}}));
  pass(200ms);
  auto st = a.counters->read();
  CAF_CHECK_EQUAL(st.writes_local, 5u);
  CAF_CHECK_EQUAL(st.writes_applied, 6u);
  CAF_CHECK_EQUAL(st.writes_rejected, 1u);
  CAF_CHECK_EQUAL(st.events_dispatched, 6u);
  CAF_CHECK_EQUAL(st.watchers_active, 1u);
  CAF_CHECK_EQUAL(st.watchers_dropped, 0u);
  CAF_CHECK_EQUAL(st.snapshots, 1u);
  CAF_CHECK_GREATER(st.snapshot_bytes, 0u);
  CAF_CHECK_EQUAL(st.keys, 4u);
  CAF_CHECK_EQUAL(st.tombstones, 1u);
  CAF_CHECK_EQUAL(st.tombstones_gced, 0u);
  CAF_CHECK_EQUAL(watched->events.size(), 6u);
}

CAF_TEST_FIXTURE_SCOPE_END()
