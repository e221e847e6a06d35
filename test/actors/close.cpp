#define CAF_SUITE actors.close

#include "podshare/actors/store.hpp"

#include "fault_transport.hpp"
#include "fixture.hpp"

using namespace podshare;
using namespace podshare::testing;
using namespace std::chrono_literals;

CAF_TEST_FIXTURE_SCOPE(close_tests, fault_fixture)

CAF_TEST(a failing publish returns the broadcast error and the write stands) {
  auto a = open_on("a", faulty);
  auto b = open("b");
  switches->fail_publish = true;
  auto res = set(a, "k", "v");
  CAF_CHECK_EQUAL(res.error(), ec::broadcast_failed);
  CAF_CHECK_EQUAL(get(a, "k"), std::optional<std::string>{"v"});
  CAF_CHECK_EQUAL(get(b, "k"), std::nullopt);
  CAF_CHECK(reported(ec::broadcast_failed));
  // The failed broadcast still marks the snapshot dirty: peers catch up
  // through the next snapshot and refresh.
  pass(200ms);
  CAF_CHECK_EQUAL(a.counters->read().snapshots, 1u);
  CAF_CHECK_EQUAL(call<uint64_t>(b.actor, refresh_atom::value), uint64_t{1});
  CAF_CHECK_EQUAL(get(b, "k"), std::optional<std::string>{"v"});
}

CAF_TEST(a broadcast the transport never answers fails after its timeout) {
  // No digests: they would repair b by difference meanwhile (actors.repair).
  auto opts = make_options("a");
  opts.anti_entropy_interval = caf::timespan{0};
  transport.swap(faulty);
  auto a = open("a", opts);
  transport.swap(faulty);
  auto b = open("b");
  auto timeout = a.options.transport_timeout;
  // Answered in time: the deadline passing later fails nothing.
  CAF_CHECK(set(a, "early", "v"));
  advance_time(timeout);
  consume_messages();
  CAF_CHECK(!reported(ec::broadcast_failed));
  switches->hang_publish = true;
  auto reply = self->request(a.actor, caf::infinite, set_atom::value,
                             write_item{"k", encode("v"), nullptr});
  consume_messages();
  CAF_CHECK(self->mailbox().empty());
  // The write stands locally while its broadcast is pending.
  CAF_CHECK_EQUAL(get(a, "k"), std::optional<std::string>{"v"});
  advance_time(timeout - 1ms);
  consume_messages();
  CAF_CHECK(self->mailbox().empty());
  advance_time(1ms);
  consume_messages();
  CAF_REQUIRE(!self->mailbox().empty());
  caf::error err;
  reply.receive([](version) { CAF_FAIL("the broadcast should time out"); },
                [&](caf::error& x) { err = std::move(x); });
  CAF_CHECK_EQUAL(err, ec::broadcast_failed);
  CAF_CHECK(reported(ec::broadcast_failed));
  CAF_CHECK_EQUAL(get(a, "k"), std::optional<std::string>{"v"});
  CAF_CHECK_EQUAL(get(b, "k"), std::nullopt);
  // The transport recovers: the next write goes through.
  switches->hang_publish = false;
  CAF_CHECK(set(a, "later", "w"));
  CAF_CHECK_EQUAL(get(b, "later"), std::optional<std::string>{"w"});
  // The hung promise holds `a`, and `a` holds the transport: only closing
  // ends the store.
  CAF_CHECK(call<ok_atom>(a.actor, close_atom::value, caf::timespan{1s}));
}

CAF_TEST(close with a timeout returns within it when the transport hangs) {
  auto a = open_on("a", faulty);
  CAF_CHECK(set(a, "k", "v"));
  switches->hang_snapshots = true;
  auto reply = self->request(a.actor, caf::infinite, close_atom::value,
                             caf::timespan{2s});
  consume_messages();
  CAF_CHECK(self->mailbox().empty());
  // Closed at once, though the flush hangs.
  CAF_CHECK_EQUAL(error_of(set(a, "k", "w")), ec::closed);
  // Nothing answers the flush; the close timer fires after two seconds.
  advance_time(2s);
  consume_messages();
  CAF_REQUIRE(!self->mailbox().empty());
  caf::error err;
  reply.receive([](ok_atom) { CAF_FAIL("close should time out"); },
                [&](caf::error& x) { err = std::move(x); });
  CAF_CHECK_EQUAL(err, ec::timeout);
  CAF_CHECK_EQUAL(get(a, "k"), std::optional<std::string>{"v"});
}

CAF_TEST_FIXTURE_SCOPE_END()
