#define CAF_SUITE apps.feature_flags

#include "rollout.hpp"

#include <caf/test/unit_test.hpp>

#include <rapidcheck.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

CAF_TEST(fnv1a matches the published test vectors) {
  CAF_CHECK_EQUAL(flags::fnv1a(""), 0xcbf29ce484222325ULL);
  CAF_CHECK_EQUAL(flags::fnv1a("a"), 0xaf63dc4c8601ec8cULL);
  CAF_CHECK_EQUAL(flags::fnv1a("foobar"), 0x85944171f73967e8ULL);
}

CAF_TEST(a user keeps the feature when the percentage grows) {
  CAF_CHECK(rc::check(
    "decide is monotone in percent", [](const std::string& user, int a, int b) {
      auto lo = std::min(a, b) % 101;
      auto hi = std::max(a, b) % 101;
      RC_PRE(lo >= 0 && lo <= hi);
      flags::flag low{"f", true, lo};
      flags::flag high{"f", true, hi};
      RC_ASSERT(!flags::decide(low, user) || flags::decide(high, user));
    }));
}

CAF_TEST(zero and one hundred percent and off mean nobody and everybody) {
  CAF_CHECK(rc::check("bounds", [](const std::string& user) {
    auto b = flags::bucket("f", user);
    RC_ASSERT(b >= 0 && b < 100);
    RC_ASSERT(!flags::decide({"f", true, 0}, user));
    RC_ASSERT(flags::decide({"f", true, 100}, user));
    RC_ASSERT(!flags::decide({"f", false, 100}, user));
  }));
}

CAF_TEST(readers see only published flags while the writer replaces them) {
  flags::latest_flag latest;
  std::atomic<bool> stop{false};
  std::atomic<int> bad{0};
  std::vector<std::thread> readers;
  for (int i = 0; i < 2; ++i)
    readers.emplace_back([&] {
      while (!stop.load()) {
        latest.read([&](const flags::flag* f) {
          // Every published flag has percent == 2 * (name's number).
          if (f != nullptr && f->percent != 2 * std::stoi(f->name))
            ++bad;
          return 0;
        });
      }
    });
  for (int i = 0; i < 20000; ++i)
    latest.publish({std::to_string(i % 50), true, 2 * (i % 50)});
  stop = true;
  for (auto& r : readers)
    r.join();
  CAF_CHECK_EQUAL(bad.load(), 0);
  // Replaced flags are freed once no reader can hold them: with the readers
  // gone, each publish advances the epoch, and a flag retired at epoch e is
  // freed at e + 2. After three more, only the last replaced one is kept.
  for (int i = 0; i < 3; ++i)
    latest.publish({"0", true, 0});
  CAF_CHECK_EQUAL(latest.retired(), 1u);
}
