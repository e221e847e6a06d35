#define CAF_SUITE net.memory

// The in-process transport's ingest budget, on CAF's test coordinator: a
// subscriber runs only when the test lets it.

#include "podshare/net/memory/spawn.hpp"

#include "fixture.hpp"

#include <caf/typed_event_based_actor.hpp>

using namespace podshare;
using namespace podshare::testing;

namespace {

struct fixture : store_fixture {
  std::shared_ptr<int> received = std::make_shared<int>(0);

  // How many publishes were answered since the last call. (Not through
  // `mailbox().count()`: that would instantiate CAF's inbox code in this
  // binary with UBSan's checks, and CAF's own blocking actors would then
  // run it and trip a downcast CAF makes on purpose.)
  size_t answers() {
    size_t n = 0;
    for (auto more = true; more;)
      self->receive([&](ok_atom) { ++n; }, caf::after(std::chrono::seconds{0})
                                             >> [&] { more = false; });
    return n;
  }

  subscriber_actor counting_subscriber() {
    return sys.spawn([n = received]() -> subscriber_actor::behavior_type {
      return {
        [n](deliver_atom, const std::string&, const bytes&,
            const ingest_ticket&) { ++*n; },
        [](resync_atom, const std::string&) {},
      };
    });
  }
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(memory_tests, fixture)

// The publisher is held back rather than the subscriber's mailbox growing:
// a publish that spends the budget is answered once the subscribers have
// handled half of it.
CAF_TEST(a publish waits while the subscribers are behind by the budget) {
  auto memory = net::spawn_memory_transport(sys, 4096);
  auto subscriber = counting_subscriber();
  CAF_REQUIRE(
    call<ok_atom>(memory, subscribe_atom::value, std::string{"t"}, subscriber));
  // 1,000 bytes plus overhead each: the fourth spends the budget.
  for (int i = 0; i < 4; ++i)
    self->send(memory, publish_atom::value, std::string{"t"}, bytes(1000, 1));
  // The transport handles the publishes; the subscriber runs not yet.
  for (int i = 0; i < 4; ++i) {
    sched.prioritize(memory);
    sched.run_once();
  }
  CAF_CHECK_EQUAL(*received, 0);
  // Three answered, the fourth held.
  CAF_CHECK_EQUAL(answers(), 3u);
  auto x = call<transport_status>(
    caf::actor_cast<transport_status_actor>(memory), stats_atom::value);
  CAF_REQUIRE(x);
  CAF_CHECK_EQUAL(x->ingest.pauses, 1u);
  consume_messages();
  CAF_CHECK_EQUAL(*received, 4);
  CAF_CHECK_EQUAL(answers(), 1u);
}

CAF_TEST_FIXTURE_SCOPE_END()
