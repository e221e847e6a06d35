#define CAF_SUITE libpodshare.ingest_budget

#include "podshare/ingest_budget.hpp"

#include <caf/test/unit_test.hpp>

#include <atomic>
#include <thread>
#include <vector>

using podshare::ingest_budget;
using podshare::ingest_ticket;

CAF_TEST(a ticket holds its bytes until its last copy goes) {
  auto budget = ingest_budget::make(100);
  {
    auto ticket = budget->charge(60);
    CAF_CHECK_EQUAL(ticket.size(), 60u);
    CAF_CHECK_EQUAL(budget->status().in_flight, 60u);
    CAF_CHECK(!budget->spent());
    auto copy = ticket;
    {
      auto more = budget->charge(50);
      CAF_CHECK(budget->spent());
      CAF_CHECK_EQUAL(budget->status().in_flight, 110u);
    }
    CAF_CHECK(!budget->spent());
    ticket = ingest_ticket{};
    CAF_CHECK_EQUAL(budget->status().in_flight, 60u);
  }
  auto x = budget->status();
  CAF_CHECK_EQUAL(x.budget, 100u);
  CAF_CHECK_EQUAL(x.in_flight, 0u);
  CAF_CHECK_EQUAL(x.peak, 110u);
  CAF_CHECK_EQUAL(ingest_ticket{}.size(), 0u);
}

CAF_TEST(resume waits for half the budget and runs once) {
  auto budget = ingest_budget::make(100);
  int resumed = 0;
  auto a = budget->charge(40);
  auto b = budget->charge(40);
  auto c = budget->charge(20);
  CAF_REQUIRE(budget->spent());
  budget->when_room([&] { ++resumed; });
  CAF_CHECK_EQUAL(budget->status().pauses, 1u);
  CAF_CHECK(budget->paused_since_reset());
  a = ingest_ticket{}; // 60 left: not yet half
  CAF_CHECK_EQUAL(resumed, 0);
  c = ingest_ticket{}; // 40 left
  CAF_CHECK_EQUAL(resumed, 1);
  b = ingest_ticket{};
  CAF_CHECK_EQUAL(resumed, 1);
  budget->reset_paused();
  CAF_CHECK(!budget->paused_since_reset());
}

CAF_TEST(every waiter resumes) {
  auto budget = ingest_budget::make(100);
  auto a = budget->charge(100);
  int first = 0;
  int second = 0;
  budget->when_room([&] { ++first; });
  budget->when_room([&] { ++second; });
  CAF_CHECK_EQUAL(budget->status().pauses, 2u);
  a = ingest_ticket{};
  CAF_CHECK_EQUAL(first, 1);
  CAF_CHECK_EQUAL(second, 1);
}

CAF_TEST(resume runs at once when there is room and counts no pause) {
  auto budget = ingest_budget::make(100);
  auto a = budget->charge(50);
  int resumed = 0;
  budget->when_room([&] { ++resumed; });
  CAF_CHECK_EQUAL(resumed, 1);
  CAF_CHECK_EQUAL(budget->status().pauses, 0u);
  CAF_CHECK(!budget->paused_since_reset());
  budget->count_overrun();
  CAF_CHECK_EQUAL(budget->status().overruns, 1u);
}

// Releases race the waiter on other threads: every pause is resumed
// exactly once, and the claims come back to zero.
CAF_TEST(releases on other threads resume every pause exactly once) {
  auto budget = ingest_budget::make(1000);
  constexpr int rounds = 2000;
  std::atomic<int> resumed{0};
  for (int round = 0; round < rounds; ++round) {
    std::vector<ingest_ticket> tickets;
    while (!budget->spent())
      tickets.push_back(budget->charge(100));
    std::atomic<bool> go{false};
    std::vector<std::thread> releasers;
    for (int t = 0; t < 2; ++t)
      releasers.emplace_back(
        [&, mine = std::vector<ingest_ticket>(
              tickets.begin() + t * 5, tickets.begin() + t * 5 + 5)]() mutable {
          while (!go)
            ; // spin: start together with the waiter
          mine.clear();
        });
    tickets.clear();
    go = true;
    budget->when_room([&] { ++resumed; });
    for (auto& x : releasers)
      x.join();
    CAF_REQUIRE_EQUAL(budget->status().in_flight, 0u);
    CAF_REQUIRE_EQUAL(resumed.load(), round + 1);
  }
}
