#define CAF_SUITE actors.merger

#include "podshare/actors/store.hpp"

#include "fixture.hpp"

#include <algorithm>
#include <string>

using namespace podshare;
using namespace podshare::testing;

namespace {

struct fixture : store_fixture {
  version peer_version(int64_t offset_ns, std::string origin, uint64_t seq) {
    return version{clock.now->load() + offset_ns, std::move(origin), seq};
  }
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(merger_tests, fixture)

CAF_TEST(a set that loses last write wins is still joined into the value) {
  auto s = open_merging("a");
  deliver(s, peer_event(event_kind::set, "k", "ca", peer_version(10, "n", 1)));
  deliver(s, peer_event(event_kind::set, "k", "db", peer_version(5, "m", 1)));
  CAF_CHECK_EQUAL(get(s, "k"), std::optional<std::string>{"abcd"});
  // The entry keeps the version of the write that won.
  CAF_CHECK_EQUAL(s.map->find("k")->version(), peer_version(10, "n", 1));
  CAF_CHECK_EQUAL(s.counters->read().writes_rejected, 0u);
}

CAF_TEST(a late set that adds nothing counts as rejected) {
  auto s = open_merging("a");
  auto watched = std::make_shared<recorded_watch>();
  CAF_CHECK(call<watch_id>(s.actor, watch_atom::value, watch_filter::all(),
                           spawn_recorder(sys, watched)));
  deliver(s, peer_event(event_kind::set, "k", "abc", peer_version(10, "n", 1)));
  deliver(s, peer_event(event_kind::set, "k", "ca", peer_version(5, "m", 1)));
  CAF_CHECK_EQUAL(get(s, "k"), std::optional<std::string>{"abc"});
  CAF_CHECK_EQUAL(s.counters->read().writes_rejected, 1u);
  CAF_CHECK_EQUAL(watched->events.size(), 1u);
}

CAF_TEST(a late set does not bring back a newer delete) {
  auto s = open_merging("a");
  deliver(s, peer_event(event_kind::erase, "k", "", peer_version(10, "n", 1)));
  deliver(s, peer_event(event_kind::set, "k", "ca", peer_version(5, "m", 1)));
  CAF_CHECK_EQUAL(get(s, "k"), std::nullopt);
}

CAF_TEST(concurrent sets on two replicas converge under a merger) {
  auto a = open_merging("a");
  auto b = open_merging("b");
  // Peers p and q write at the same moment; a hears p first, b hears q
  // first, so on b the older write arrives after the newer one.
  deliver(a, peer_event(event_kind::set, "k", "ca", peer_version(5, "p", 1)));
  deliver(b, peer_event(event_kind::set, "k", "db", peer_version(9, "q", 1)));
  deliver(a, peer_event(event_kind::set, "k", "db", peer_version(9, "q", 1)));
  deliver(b, peer_event(event_kind::set, "k", "ca", peer_version(5, "p", 1)));
  CAF_CHECK_EQUAL(get(a, "k"), std::optional<std::string>{"abcd"});
  CAF_CHECK_EQUAL(get(b, "k"), std::optional<std::string>{"abcd"});
}

CAF_TEST_FIXTURE_SCOPE_END()
