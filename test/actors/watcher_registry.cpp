#define CAF_SUITE actors.watcher_registry

#include "podshare/actors/watcher_registry.hpp"

#include "fixture.hpp"

#include <caf/typed_event_based_actor.hpp>

using namespace podshare;
using namespace podshare::testing;
using namespace std::chrono_literals;

namespace {

struct fixture : store_fixture {
  std::shared_ptr<recorded_watch> watch(const store_handle& s,
                                        watch_filter filter) {
    auto into = std::make_shared<recorded_watch>();
    auto id = call<watch_id>(s.actor, watch_atom::value, std::move(filter),
                             spawn_recorder(sys, into));
    CAF_REQUIRE(id);
    return into;
  }

  // A watcher that takes events but never answers: it never frees buffer
  // space, like a consumer that stopped reading.
  watcher_actor spawn_silent_watcher(std::shared_ptr<recorded_watch> into) {
    return sys.spawn(
      [into](watcher_actor::pointer self) -> watcher_actor::behavior_type {
        return {
          [self, into](event_atom, watch_id,
                       const event_batch& xs) -> caf::result<void> {
            into->events.insert(into->events.end(), xs.events().begin(),
                                xs.events().end());
            return self->make_response_promise<void>();
          },
          [into](watch_end_atom, watch_id, watch_end why) {
            into->ended = why;
          },
        };
      });
  }

  // A registry's state to call directly; actor watchers may have 10 events
  // outstanding.
  static actors::watcher_registry_state registry_state() {
    actors::watcher_registry_state result;
    result.cfg.buffer = 10;
    result.cfg.counters = std::make_shared<detail::counters>();
    return result;
  }

  static std::vector<std::string> keys_of(const recorded_watch& w) {
    std::vector<std::string> result;
    for (auto& x : w.events)
      result.push_back(x.key);
    return result;
  }
};

using strings = std::vector<std::string>;

} // namespace

CAF_TEST_FIXTURE_SCOPE(watcher_registry_tests, fixture)

CAF_TEST(watchers see remote and own events in apply order) {
  auto a = open("a");
  auto b = open("b");
  auto seen = watch(a, watch_filter::all());
  CAF_CHECK(set(a, "1", "own"));
  CAF_CHECK(set(b, "2", "remote"));
  CAF_CHECK(erase(a, "1"));
  CAF_CHECK(call<std::vector<version>>(
    b.actor, set_many_atom::value,
    std::vector<write_item>{{"3", encode("x"), nullptr},
                            {"4", encode("y"), nullptr}}));
  CAF_CHECK_EQUAL(keys_of(*seen), (strings{"1", "2", "1", "3", "4"}));
  CAF_REQUIRE_EQUAL(seen->events.size(), 5u);
  CAF_CHECK_EQUAL(seen->events[0].version.origin, "a");
  CAF_CHECK_EQUAL(seen->events[1].version.origin, "b");
  CAF_CHECK(seen->events[2].kind == event_kind::erase);
}

CAF_TEST(watchers that take a whole batch share it and others get a copy) {
  using state = actors::watcher_registry_state;
  auto registry = registry_state();
  auto recorder = spawn_recorder(sys, std::make_shared<recorded_watch>());
  registry.add(state::watcher{1, watch_filter::all(), recorder, nullptr, 0});
  registry.add(
    state::watcher{2, watch_filter::prefix("a"), recorder, nullptr, 0});
  registry.add(
    state::watcher{3, watch_filter::prefix("k"), recorder, nullptr, 0});
  auto events = events_keyed({"k1", "k2"});
  std::vector<state::watcher> dropped;
  auto deliveries = registry.dispatch(events, dropped);
  // Watcher 2 matches nothing and gets nothing.
  CAF_REQUIRE_EQUAL(deliveries.size(), 2u);
  CAF_CHECK_EQUAL(deliveries[0].events.events(), events);
  CAF_CHECK_EQUAL(deliveries[1].events.events(), events);
  // One vector for both: no copy per watcher.
  CAF_CHECK_EQUAL(&deliveries[0].events.events(),
                  &deliveries[1].events.events());
  events[1].key = "other";
  deliveries = registry.dispatch(events, dropped);
  CAF_REQUIRE_EQUAL(deliveries.size(), 2u);
  CAF_CHECK_EQUAL(deliveries[0].events.size(), 2u);
  CAF_CHECK_EQUAL(deliveries[1].events.events(), std::vector<event>{events[0]});
  CAF_CHECK(dropped.empty());
}

CAF_TEST(the last blocking watcher takes the events and the others copy) {
  using state = actors::watcher_registry_state;
  auto registry = registry_state();
  auto first = std::make_shared<watch_queue>(10);
  auto last = std::make_shared<watch_queue>(10);
  registry.add(state::watcher{1, watch_filter::all(), {}, first, 0});
  registry.add(state::watcher{2, watch_filter::all(), {}, last, 0});
  auto events = events_keyed({"k1", "k2"});
  events[0].value = bytes(64, 1);
  events[1].value = bytes(64, 2);
  auto expected = events;
  // A moved event keeps its value's buffer; a copy gets a new one.
  std::vector<const uint8_t*> buffers{events[0].value.data(),
                                      events[1].value.data()};
  std::vector<state::watcher> dropped;
  CAF_CHECK(registry.dispatch(std::move(events), dropped).empty());
  for (size_t i = 0; i < 2; ++i) {
    auto copied = first->next(0s);
    auto moved = last->next(0s);
    CAF_REQUIRE(std::holds_alternative<event>(copied));
    CAF_REQUIRE(std::holds_alternative<event>(moved));
    CAF_CHECK_EQUAL(std::get<event>(copied), expected[i]);
    CAF_CHECK_EQUAL(std::get<event>(moved), expected[i]);
    CAF_CHECK_NOT_EQUAL(std::get<event>(copied).value.data(), buffers[i]);
    CAF_CHECK_EQUAL(std::get<event>(moved).value.data(), buffers[i]);
  }
  CAF_CHECK_EQUAL(registry.cfg.counters->read().events_dispatched, 4u);
  // Once per event however many watchers took it, as the Go podshare counts.
  CAF_CHECK_EQUAL(registry.cfg.counters->read().events_watched, 2u);
}

CAF_TEST(a blocking watcher after an actor watcher leaves the shared batch) {
  using state = actors::watcher_registry_state;
  auto registry = registry_state();
  auto recorder = spawn_recorder(sys, std::make_shared<recorded_watch>());
  auto queue = std::make_shared<watch_queue>(10);
  registry.add(state::watcher{1, watch_filter::all(), recorder, nullptr, 0});
  registry.add(state::watcher{2, watch_filter::all(), {}, queue, 0});
  auto events = events_keyed({"k1", "k2"});
  std::vector<state::watcher> dropped;
  auto deliveries = registry.dispatch(events, dropped);
  CAF_REQUIRE_EQUAL(deliveries.size(), 1u);
  CAF_CHECK_EQUAL(deliveries[0].events.events(), events);
  for (auto& x : events) {
    auto item = queue->next(0s);
    CAF_REQUIRE(std::holds_alternative<event>(item));
    CAF_CHECK_EQUAL(std::get<event>(item), x);
  }
}

CAF_TEST(a batch larger than a queue fills it and drops the watcher) {
  using state = actors::watcher_registry_state;
  auto registry = registry_state();
  auto queue = std::make_shared<watch_queue>(3);
  registry.add(state::watcher{1, watch_filter::all(), {}, queue, 0});
  std::vector<state::watcher> dropped;
  registry.dispatch(events_keyed({"k0", "k1", "k2", "k3", "k4"}), dropped);
  CAF_REQUIRE_EQUAL(dropped.size(), 1u);
  CAF_CHECK_EQUAL(dropped[0].id, 1u);
  CAF_CHECK(registry.watchers.empty());
  CAF_CHECK_EQUAL(registry.cfg.counters->read().events_dispatched, 3u);
  CAF_CHECK_EQUAL(registry.cfg.counters->read().events_watched, 5u);
  CAF_CHECK_EQUAL(queue->size(), 3u);
  // The registry alone does not end the stream; its actor does.
  for (auto key : {"k0", "k1", "k2", ""})
    CAF_CHECK_EQUAL(next_key(*queue), key);
}

CAF_TEST(a watcher sees its own write exactly once) {
  auto a = open("a");
  auto seen = watch(a, watch_filter::all());
  // The memory transport delivers a's message back to a; it is dropped.
  CAF_CHECK(set(a, "k", "v"));
  CAF_CHECK_EQUAL(seen->events.size(), 1u);
  CAF_CHECK_EQUAL(a.counters->read().writes_applied, 1u);
}

CAF_TEST(key prefix and range filters deliver nothing else) {
  auto a = open("a");
  auto by_key = watch(a, watch_filter::key("user:1"));
  auto by_prefix = watch(a, watch_filter::prefix("flags:"));
  // Half-open: "user:1" is in, "user:2" would not be.
  auto by_range = watch(a, watch_filter::range("flags:b", "user:10"));
  auto from_on = watch(a, watch_filter::range("user", ""));
  auto by_predicate = watch(a, watch_filter::where([](const event& x) {
                              return x.kind == event_kind::erase;
                            }));
  for (auto key : {"user:1", "user:10", "flags:a", "flag", "flags:b"})
    CAF_CHECK(set(a, key, "v"));
  CAF_CHECK(erase(a, "user:1"));
  CAF_CHECK_EQUAL(keys_of(*by_key), (strings{"user:1", "user:1"}));
  CAF_CHECK_EQUAL(keys_of(*by_prefix), (strings{"flags:a", "flags:b"}));
  CAF_CHECK_EQUAL(keys_of(*by_range), (strings{"user:1", "flags:b", "user:1"}));
  CAF_CHECK_EQUAL(keys_of(*from_on), (strings{"user:1", "user:10", "user:1"}));
  CAF_CHECK_EQUAL(keys_of(*by_predicate), (strings{"user:1"}));
}

CAF_TEST(a slow watcher is dropped reported and counted) {
  auto opts = make_options("a");
  opts.watch_buffer = 4;
  auto a = open("a", opts);
  auto slow = std::make_shared<watch_queue>(opts.watch_buffer);
  CAF_CHECK(
    call<watch_id>(a.actor, watch_atom::value, watch_filter::all(), slow));
  for (int i = 0; i < 5; ++i)
    CAF_CHECK(set(a, "k" + std::to_string(i), "v"));
  // Four events are buffered; the fifth found the buffer full.
  for (int i = 0; i < 4; ++i)
    CAF_CHECK(std::holds_alternative<event>(slow->next(0s)));
  auto last = slow->next(0s);
  CAF_REQUIRE(std::holds_alternative<watch_end>(last));
  CAF_CHECK_EQUAL(std::get<watch_end>(last), watch_end::dropped);
  CAF_CHECK(reported(ec::watcher_dropped));
  auto st = a.counters->read();
  CAF_CHECK_EQUAL(st.watchers_dropped, 1u);
  CAF_CHECK_EQUAL(st.watchers_active, 0u);
  // The store keeps working.
  CAF_CHECK(set(a, "after", "v"));
  CAF_CHECK_EQUAL(get(a, "after"), std::optional<std::string>{"v"});
}

CAF_TEST(filters run before buffering so misses cost no buffer space) {
  auto opts = make_options("a");
  opts.watch_buffer = 1;
  auto a = open("a", opts);
  auto queue = std::make_shared<watch_queue>(opts.watch_buffer);
  CAF_CHECK(call<watch_id>(a.actor, watch_atom::value,
                           watch_filter::key("wanted"), queue));
  for (int i = 0; i < 10; ++i)
    CAF_CHECK(set(a, "other" + std::to_string(i), "v"));
  CAF_CHECK(set(a, "wanted", "v"));
  CAF_CHECK(std::holds_alternative<event>(queue->next(0s)));
  CAF_CHECK_EQUAL(a.counters->read().watchers_dropped, 0u);
}

CAF_TEST(an actor watcher that does not answer is dropped) {
  auto opts = make_options("a");
  opts.watch_buffer = 2;
  auto a = open("a", opts);
  auto stuck = std::make_shared<recorded_watch>();
  CAF_CHECK(call<watch_id>(a.actor, watch_atom::value, watch_filter::all(),
                           spawn_silent_watcher(stuck)));
  for (int i = 0; i < 3; ++i)
    CAF_CHECK(set(a, "k" + std::to_string(i), "v"));
  CAF_CHECK_EQUAL(stuck->events.size(), 2u);
  CAF_CHECK(stuck->ended == watch_end::dropped);
  CAF_CHECK_EQUAL(a.counters->read().watchers_dropped, 1u);
}

CAF_TEST(cancel ends a watch and close ends every watch) {
  auto a = open("a");
  auto cancelled = std::make_shared<recorded_watch>();
  auto id = call<watch_id>(a.actor, watch_atom::value, watch_filter::all(),
                           spawn_recorder(sys, cancelled));
  CAF_REQUIRE(id);
  auto open_watch = watch(a, watch_filter::all());
  self->send(a.actor, cancel_atom::value, *id);
  consume_messages();
  CAF_CHECK(cancelled->ended == watch_end::cancelled);
  CAF_CHECK(set(a, "k", "v"));
  CAF_CHECK(cancelled->events.empty());
  CAF_CHECK(call<ok_atom>(a.actor, close_atom::value, caf::timespan{1s}));
  CAF_CHECK(open_watch->ended == watch_end::closed);
  CAF_CHECK_EQUAL(a.counters->read().watchers_active, 0u);
}

CAF_TEST(watching a closed store yields an ended stream) {
  auto a = open("a");
  auto into = std::make_shared<recorded_watch>();
  auto queue = std::make_shared<watch_queue>(4);
  self->send(a.actor, close_atom::value, caf::timespan{1s});
  self->send(a.actor, watch_atom::value, watch_filter::all(),
             spawn_recorder(sys, into));
  self->send(a.actor, watch_atom::value, watch_filter::all(), queue);
  consume_messages();
  CAF_CHECK(into->ended == watch_end::closed);
  CAF_CHECK(into->events.empty());
  auto item = queue->next(0s);
  CAF_REQUIRE(std::holds_alternative<watch_end>(item));
  CAF_CHECK_EQUAL(std::get<watch_end>(item), watch_end::closed);
}

CAF_TEST_FIXTURE_SCOPE_END()
