#define CAF_SUITE actors.broadcasts

#include "podshare/actors/store.hpp"

#include "fault_transport.hpp"
#include "fixture.hpp"

#include <vector>

using namespace podshare;
using namespace podshare::testing;
using namespace std::chrono_literals;

namespace {

struct fixture : fault_fixture {
  store_handle open_faulty(const std::string& node, wire::format fmt) {
    auto opts = make_options(node);
    opts.wire = fmt;
    auto saved = transport;
    transport = faulty;
    auto result = open(node, opts);
    transport = saved;
    return result;
  }

  // Sends a set for each key at once, each key its own value; runs nothing.
  auto send_sets(const store_handle& s, const std::vector<std::string>& keys) {
    using reply = decltype(self->request(s.actor, caf::infinite,
                                         set_atom::value, write_item{}));
    std::vector<reply> replies;
    for (auto& key : keys)
      replies.push_back(self->request(s.actor, caf::infinite, set_atom::value,
                                      write_item{key, encode(key), nullptr}));
    return replies;
  }

  // Receives the replies in [first, last); returns how many carried a
  // version, and counts the `broadcast_failed` errors in `failed`.
  template <class Iterator>
  int versions_in(Iterator first, Iterator last, int* failed = nullptr) {
    CAF_REQUIRE(!self->mailbox().empty());
    int ok = 0;
    for (; first != last; ++first)
      first->receive([&](version) { ++ok; },
                     [&](caf::error& err) {
                       if (failed != nullptr && err == ec::broadcast_failed)
                         ++*failed;
                     });
    return ok;
  }

  template <class Replies>
  int versions_in(Replies& replies, int* failed = nullptr) {
    return versions_in(replies.begin(), replies.end(), failed);
  }

  int set_all(const store_handle& s, const std::vector<std::string>& keys) {
    auto replies = send_sets(s, keys);
    consume_messages();
    return versions_in(replies);
  }

  // Sets the five keys on a store sending `fmt`, checks that a second store
  // applied them all, and returns how many publishes carried them.
  int publishes_for_five_keys(wire::format fmt);
};

const std::vector<std::string> five_keys = {"k1", "k2", "k3", "k4", "k5"};

int fixture::publishes_for_five_keys(wire::format fmt) {
  auto a = open_faulty("a", fmt);
  auto b = open("b");
  switches->publishes = 0;
  CAF_CHECK_EQUAL(set_all(a, five_keys), 5);
  for (auto& key : five_keys)
    CAF_CHECK_EQUAL(get(b, key), std::optional<std::string>{key});
  CAF_CHECK_EQUAL(b.counters->read().writes_applied, 5u);
  CAF_CHECK_EQUAL(b.counters->read().writes_rejected, 0u);
  return switches->publishes.load();
}

} // namespace

CAF_TEST_FIXTURE_SCOPE(broadcast_tests, fixture)

CAF_TEST(writes made while a broadcast is in flight leave as one batch) {
  // The first write leaves at once; the four queued behind it together.
  CAF_CHECK_EQUAL(publishes_for_five_keys(wire::format::msgpack), 2);
}

CAF_TEST(json on the wire sends every write as its own message) {
  // The Go podshare reads single JSON events only.
  CAF_CHECK_EQUAL(publishes_for_five_keys(wire::format::json), 5);
}

CAF_TEST(writes queued behind a hung broadcast hear within two timeouts) {
  auto a = open_faulty("a", wire::format::msgpack);
  auto timeout = a.options.transport_timeout;
  switches->hang_publish = true;
  switches->publishes = 0;
  auto replies = send_sets(a, five_keys);
  consume_messages();
  CAF_CHECK_EQUAL(switches->publishes.load(), 1);
  advance_time(timeout);
  consume_messages();
  // The first broadcast timed out; the four writes queued behind it left
  // then, with a full timeout of their own.
  CAF_CHECK_EQUAL(switches->publishes.load(), 2);
  int failed = 0;
  CAF_CHECK_EQUAL(versions_in(replies.begin(), replies.begin() + 1, &failed),
                  0);
  CAF_CHECK_EQUAL(failed, 1);
  CAF_CHECK(self->mailbox().empty());
  advance_time(timeout - 1ms);
  consume_messages();
  CAF_CHECK(self->mailbox().empty());
  advance_time(1ms);
  consume_messages();
  CAF_CHECK_EQUAL(versions_in(replies.begin() + 1, replies.end(), &failed), 0);
  CAF_CHECK_EQUAL(failed, 5);
  // Every write stands locally, and the next one goes out at once.
  for (auto& key : five_keys)
    CAF_CHECK_EQUAL(get(a, key), std::optional<std::string>{key});
  switches->hang_publish = false;
  CAF_CHECK(set(a, "later", "w"));
  CAF_CHECK_EQUAL(switches->publishes.load(), 3);
  CAF_CHECK(call<ok_atom>(a.actor, close_atom::value, caf::timespan{1s}));
}

CAF_TEST(a full group leaves without waiting for the one in flight) {
  auto a = open_faulty("a", wire::format::msgpack);
  switches->hang_publish = true;
  switches->publishes = 0;
  auto first = send_sets(a, {"first"});
  consume_messages();
  CAF_CHECK_EQUAL(switches->publishes.load(), 1);
  // Three values of 100 KiB: the third fills a group.
  std::string big(100 * 1024, 'x');
  using reply = decltype(self->request(a.actor, caf::infinite, set_atom::value,
                                       write_item{}));
  std::vector<reply> replies;
  for (auto key : {"b1", "b2"})
    replies.push_back(self->request(a.actor, caf::infinite, set_atom::value,
                                    write_item{key, encode(big), nullptr}));
  consume_messages();
  CAF_CHECK_EQUAL(switches->publishes.load(), 1);
  replies.push_back(self->request(a.actor, caf::infinite, set_atom::value,
                                  write_item{"b3", encode(big), nullptr}));
  consume_messages();
  CAF_CHECK_EQUAL(switches->publishes.load(), 2);
  advance_time(a.options.transport_timeout);
  consume_messages();
  int failed = 0;
  CAF_CHECK_EQUAL(versions_in(first, &failed) + versions_in(replies, &failed),
                  0);
  CAF_CHECK_EQUAL(failed, 4);
  switches->hang_publish = false;
  CAF_CHECK(call<ok_atom>(a.actor, close_atom::value, caf::timespan{1s}));
}

CAF_TEST(a closed store exits only after its writes heard of their broadcast) {
  auto a = open_faulty("a", wire::format::msgpack);
  auto timeout = a.options.transport_timeout;
  CAF_CHECK(set(a, "first", "v"));
  switches->hang_publish = true;
  auto replies = send_sets(a, five_keys);
  auto closing = self->request(a.actor, caf::infinite, close_atom::value,
                               caf::timespan{1s});
  consume_messages();
  // Closed (the final snapshot went out), but the broadcasts still hang: the
  // store stays to answer the writes rather than leave them without a word.
  closing.receive([](ok_atom) {}, [](caf::error& err) { CAF_FAIL(err); });
  CAF_CHECK_EQUAL(error_of(set(a, "after", "x")), ec::closed);
  advance_time(timeout);
  consume_messages();
  advance_time(timeout);
  consume_messages();
  int failed = 0;
  CAF_CHECK_EQUAL(versions_in(replies, &failed), 0);
  CAF_CHECK_EQUAL(failed, 5);
  // Now it has exited.
  CAF_CHECK_EQUAL(error_of(call<ok_atom>(a.actor, open_atom::value)),
                  caf::sec::request_receiver_down);
}

CAF_TEST(an empty batch answers at once and broadcasts nothing) {
  auto a = open_faulty("a", wire::format::msgpack);
  switches->publishes = 0;
  auto res = call<std::vector<version>>(a.actor, set_many_atom::value,
                                        std::vector<write_item>{});
  CAF_REQUIRE(res);
  CAF_CHECK(res->empty());
  CAF_CHECK_EQUAL(switches->publishes.load(), 0);
}

CAF_TEST_FIXTURE_SCOPE_END()
