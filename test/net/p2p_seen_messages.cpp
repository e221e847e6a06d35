#define CAF_SUITE net.p2p_seen_messages

#include "podshare/net/p2p/seen_messages.hpp"

#include <caf/test/unit_test.hpp>

using podshare::net::p2p::seen_messages;

CAF_TEST(each message is new once) {
  seen_messages seen;
  CAF_CHECK(seen.first_time("a", 1, 1));
  CAF_CHECK(!seen.first_time("a", 1, 1));
  CAF_CHECK(seen.first_time("a", 1, 2));
  CAF_CHECK(seen.first_time("b", 1, 1));
  CAF_CHECK(!seen.first_time("b", 1, 1));
  CAF_CHECK_EQUAL(seen.origins(), 2u);
}

CAF_TEST(messages out of order within the window are each new once) {
  seen_messages seen;
  for (uint64_t seq : {5, 3, 4, 1, 2, 9})
    CAF_CHECK(seen.first_time("a", 1, seq));
  for (uint64_t seq = 1; seq <= 5; ++seq)
    CAF_CHECK(!seen.first_time("a", 1, seq));
  CAF_CHECK(!seen.first_time("a", 1, 9));
  CAF_CHECK(seen.first_time("a", 1, 6));
}

CAF_TEST(a seq far ahead moves the window and older ones count as seen) {
  seen_messages seen;
  CAF_CHECK(seen.first_time("a", 1, 1));
  auto far = 1 + 3 * seen_messages::window;
  CAF_CHECK(seen.first_time("a", 1, far));
  CAF_CHECK(!seen.first_time("a", 1, 2));
  CAF_CHECK(!seen.first_time("a", 1, far - seen_messages::window));
  CAF_CHECK(seen.first_time("a", 1, far - 1));
  CAF_CHECK(!seen.first_time("a", 1, far));
  // Within the window, behind the newest: still new once.
  CAF_CHECK(seen.first_time("a", 1, far - 10));
  CAF_CHECK(!seen.first_time("a", 1, far - 10));
}

CAF_TEST(a restarted origin starts afresh and its old messages are dropped) {
  seen_messages seen;
  CAF_CHECK(seen.first_time("a", 10, 1));
  CAF_CHECK(seen.first_time("a", 10, 2));
  CAF_CHECK(seen.first_time("a", 20, 1));
  CAF_CHECK(!seen.first_time("a", 20, 1));
  CAF_CHECK(!seen.first_time("a", 10, 3));
}
