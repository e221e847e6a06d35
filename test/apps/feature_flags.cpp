#define CAF_SUITE apps.feature_flags

#include "rollout.hpp"
#include "team_counts.hpp"

#include "podshare/configure.hpp"
#include "podshare/net/memory/spawn.hpp"
#include "podshare/store.hpp"
#include "podshare/version_vector.hpp"

#include <caf/test/unit_test.hpp>

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/send.hpp>

#include <rapidcheck.h>

#include <atomic>
#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <thread>
#include <tuple>
#include <utility>
#include <vector>

using namespace std::chrono_literals;

namespace {

using flag_store = podshare::store<flags::flag, flags::codec>;

/// The model's flags as a view's `prefix("flags:")` lists them.
std::vector<std::pair<std::string, flags::flag>>
listing(const std::map<std::string, flags::flag>& model) {
  return {model.begin(), model.end()};
}

} // namespace

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

CAF_TEST(a flag key names its team between the prefix and the first slash) {
  CAF_CHECK_EQUAL(flags::team_of("flags:payments/checkout-v2"), "payments");
  CAF_CHECK_EQUAL(flags::team_of("flags:search/ranker/v2"), "search");
  CAF_CHECK_EQUAL(flags::team_of("flags:checkout-v2"), "");
  CAF_CHECK_EQUAL(flags::team_of("flags:/orphan"), "");
  CAF_CHECK_EQUAL(flags::team_of("config:payments/x"), "");
  CAF_CHECK(flags::is_on({"f", true, 1}));
  CAF_CHECK(!flags::is_on({"f", true, 0}));
  CAF_CHECK(!flags::is_on({"f", false, 100}));
}

CAF_TEST(folding each change gives the counts a recount gives) {
  // A few teams and flags, so that writes hit the same keys again, plus keys
  // that belong to no team. Percentages at and around the edge of "on".
  const std::vector<std::string> keys{"flags:payments/a", "flags:payments/b",
                                      "flags:search/a",   "flags:search/b",
                                      "flags:growth/a",   "flags:no-team",
                                      "flags:/a",         "other:payments/c"};
  using op = std::tuple<std::string, bool, bool, int>;
  auto ops = rc::gen::container<std::vector<op>>(
    rc::gen::tuple(rc::gen::elementOf(keys), rc::gen::arbitrary<bool>(),
                   rc::gen::arbitrary<bool>(),
                   rc::gen::elementOf(std::vector<int>{0, 1, 50, 100})));
  CAF_CHECK(rc::check("fold == recount after every change", [&] {
    std::map<std::string, flags::flag> model;
    flags::team_counts counts;
    for (auto& [key, erase, enabled, percent] : *ops) {
      // What the store hands the fold: the live value before (null if none)
      // and after (null once deleted).
      std::optional<flags::flag> before;
      if (auto i = model.find(key); i != model.end())
        before = i->second;
      const flags::flag* after = nullptr;
      if (erase)
        model.erase(key);
      else
        after = &(model[key] = flags::flag{"f", enabled, percent});
      flags::fold_team_counts(counts,
                              {key, before ? &*before : nullptr, after});
      RC_ASSERT(counts == flags::recount_teams(listing(model)));
    }
  }));
}

CAF_TEST(an observer counts the flags a pod has and those that arrive later) {
  caf::actor_system_config cfg;
  podshare::configure(cfg);
  caf::actor_system sys{cfg};
  auto transport = podshare::net::spawn_memory_transport(sys);
  auto a = flag_store::open(sys, "config", transport);
  auto b = flag_store::open(sys, "config", transport);
  CAF_REQUIRE(a && b);
  auto consistent = [&](const podshare::observer<flags::team_counts>& obs,
                        const flags::team_counts& want) {
    auto view = b->view();
    auto& got = view.derived(obs);
    CAF_CHECK_EQUAL(got, flags::recount_teams(view.prefix("flags:")));
    CAF_CHECK_EQUAL(got, want);
  };
  // Flags already on b when the observer starts are folded in as inserts.
  auto first
    = a->set_many({{"flags:payments/one-click", {"one-click", true, 100}},
                   {"flags:search/ranker", {"ranker", true, 20}},
                   {"flags:search/spell", {"spell", true, 0}}});
  CAF_REQUIRE(first && !first->empty());
  CAF_REQUIRE(!b->wait_for(podshare::token_of(first->back()), 10s));
  auto obs = b->observe<flags::team_counts>({}, flags::fold_team_counts);
  CAF_REQUIRE(obs);
  consistent(*obs, {{"payments", 1}, {"search", 1}});
  // Later writes and a delete from a, and a local write on b.
  CAF_REQUIRE(a->set("flags:search/spell", {"spell", true, 50}));
  CAF_REQUIRE(a->set("flags:growth/banner", {"banner", true, 5}));
  CAF_REQUIRE(a->set("flags:payments/one-click", {"one-click", false, 100}));
  CAF_REQUIRE(a->set("flags:no-team", {"no-team", true, 100}));
  auto last = a->erase("flags:search/ranker");
  CAF_REQUIRE(last);
  CAF_REQUIRE(b->set("flags:growth/dark-mode", {"dark-mode", true, 100}));
  CAF_REQUIRE(!b->wait_for(podshare::token_of(*last), 10s));
  consistent(*obs, {{"growth", 2}, {"search", 1}});
  CAF_CHECK(obs->failure().empty());
  CAF_CHECK(!a->close());
  CAF_CHECK(!b->close());
  caf::anon_send(transport, caf::close_atom::value);
}
