#define CAF_SUITE actors.broadcasts

#include "podshare/actors/store.hpp"

#include "fault_transport.hpp"
#include "fixture.hpp"

#include <vector>

using namespace podshare;
using namespace podshare::testing;
using namespace std::chrono_literals;

namespace {

struct fixture : store_fixture {
  std::shared_ptr<faults> switches = std::make_shared<faults>();
  transport_actor faulty = spawn_fault_transport(sys, transport, switches);

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

  // Receives every reply; returns how many carried a version, and counts the
  // errors equal to `code` in `errors`.
  template <class Replies>
  static int versions_in(Replies& replies, int* errors = nullptr,
                         ec code = ec::broadcast_failed) {
    int ok = 0;
    for (auto& reply : replies)
      reply.receive([&](version) { ++ok; },
                    [&](caf::error& err) {
                      if (errors != nullptr && err == code)
                        ++*errors;
                    });
    return ok;
  }

  int set_all(const store_handle& s, const std::vector<std::string>& keys) {
    auto replies = send_sets(s, keys);
    consume_messages();
    return versions_in(replies);
  }
};

const std::vector<std::string> five_keys = {"k1", "k2", "k3", "k4", "k5"};

} // namespace

CAF_TEST_FIXTURE_SCOPE(broadcast_tests, fixture)

CAF_TEST(writes made while a broadcast is in flight leave as one batch) {
  auto a = open_faulty("a", wire::format::msgpack);
  auto b = open("b");
  switches->publishes = 0;
  CAF_CHECK_EQUAL(set_all(a, five_keys), 5);
  // The first write leaves at once; the four queued behind it together.
  CAF_CHECK_EQUAL(switches->publishes.load(), 2);
  for (auto& key : five_keys)
    CAF_CHECK_EQUAL(get(b, key), std::optional<std::string>{key});
  CAF_CHECK_EQUAL(b.counters->read().writes_applied, 5u);
  CAF_CHECK_EQUAL(b.counters->read().writes_rejected, 0u);
}

CAF_TEST(json on the wire sends every write as its own message) {
  // The Go podshare reads single JSON events only.
  auto a = open_faulty("a", wire::format::json);
  auto b = open("b");
  switches->publishes = 0;
  CAF_CHECK_EQUAL(set_all(a, five_keys), 5);
  CAF_CHECK_EQUAL(switches->publishes.load(), 5);
  for (auto& key : five_keys)
    CAF_CHECK_EQUAL(get(b, key), std::optional<std::string>{key});
}

CAF_TEST(writes queued behind a hung broadcast fail within one timeout) {
  auto a = open_faulty("a", wire::format::msgpack);
  auto timeout = a.options.transport_timeout;
  switches->hang_publish = true;
  switches->publishes = 0;
  auto replies = send_sets(a, five_keys);
  consume_messages();
  CAF_CHECK_EQUAL(switches->publishes.load(), 1);
  advance_time(timeout);
  consume_messages();
  // The hung broadcast timed out; the queued group then left, and its
  // deadline counted from when its writes were queued, so it is overdue too.
  CAF_CHECK_EQUAL(switches->publishes.load(), 2);
  int failed = 0;
  CAF_CHECK_EQUAL(versions_in(replies, &failed), 0);
  CAF_CHECK_EQUAL(failed, 5);
  // Every write stands locally, and the next one goes out at once.
  for (auto& key : five_keys)
    CAF_CHECK_EQUAL(get(a, key), std::optional<std::string>{key});
  switches->hang_publish = false;
  CAF_CHECK(set(a, "later", "w"));
  CAF_CHECK_EQUAL(switches->publishes.load(), 3);
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
  int failed = 0;
  CAF_CHECK_EQUAL(versions_in(replies, &failed), 0);
  CAF_CHECK_EQUAL(failed, 5);
  // Now it has exited.
  CAF_CHECK_EQUAL(error_of(call<ok_atom>(a.actor, open_atom::value)),
                  caf::sec::request_receiver_down);
}

CAF_TEST_FIXTURE_SCOPE_END()
