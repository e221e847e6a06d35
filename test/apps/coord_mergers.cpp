#define CAF_SUITE apps.coord_mergers

// The joins of the coordination library, checked as laws over random
// values: commutative, associative, idempotent, and replicas that receive
// the same writes in any order, some twice, some lost and then refreshed
// from a peer, end equal.

#include "podshare/coord/counter_value.hpp"
#include "podshare/coord/replicated_generations.hpp"

#include <caf/test/unit_test.hpp>

#include <rapidcheck.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <numeric>
#include <ostream>
#include <vector>

using nlohmann::json;
using podshare::coord::replicated_generations;
namespace counter_value = podshare::coord::counter_value;

// rapidcheck prints a counterexample with this (it would take a json for a
// string otherwise).
NLOHMANN_JSON_NAMESPACE_BEGIN
inline void showValue(const json& x, std::ostream& os) {
  os << x.dump();
}
NLOHMANN_JSON_NAMESPACE_END

namespace {

// Few generations, so that generated values share slots and folds.
const std::vector<std::string> generations{"g0", "g1", "g2", "g3", "g4"};

// A counter value as replicas hold them: joined with nothing, so that no
// slot is also folded. Fold times stay within the horizon.
rc::Gen<json> counter_values() {
  auto slot = rc::gen::apply(
    [](uint64_t p, uint64_t n, int64_t t, std::string node) {
      return json{{"node", node}, {"p", p}, {"n", n}, {"t", t}};
    },
    rc::gen::inRange<uint64_t>(0, 20), rc::gen::inRange<uint64_t>(0, 20),
    rc::gen::inRange<int64_t>(0, 100),
    rc::gen::elementOf(std::vector<std::string>{"a", "b"}));
  auto slots = rc::gen::container<std::vector<std::pair<std::string, json>>>(
    rc::gen::pair(rc::gen::elementOf(generations), slot));
  auto folds = rc::gen::container<std::vector<std::pair<std::string, int64_t>>>(
    rc::gen::pair(rc::gen::elementOf(generations),
                  rc::gen::inRange<int64_t>(1000, 1100)));
  return rc::gen::apply(
    [](std::vector<std::pair<std::string, json>> s,
       std::vector<std::pair<std::string, int64_t>> f) {
      json x{{"slots", json::object()}, {"folded", json::object()}};
      for (auto& [g, v] : s)
        x["slots"][g] = v;
      for (auto& [g, t] : f)
        x["folded"][g] = t;
      return counter_value::join(x, json::object());
    },
    slots, folds);
}

rc::Gen<json> generation_values() {
  return rc::gen::map(
    rc::gen::container<std::vector<std::pair<std::string, uint64_t>>>(
      rc::gen::pair(rc::gen::elementOf(generations),
                    rc::gen::inRange<uint64_t>(0, 50))),
    [](std::vector<std::pair<std::string, uint64_t>> xs) {
      json x = json::object();
      for (auto& [w, n] : xs)
        x[w] = std::max(x.value(w, uint64_t{0}), n);
      return x;
    });
}

// The laws of a join over values from `values`.
template <class Join>
void check_join_laws(const char* name, rc::Gen<json> values, Join join) {
  CAF_MESSAGE(name);
  CAF_CHECK(rc::check("commutative", [=] {
    auto a = *values;
    auto b = *values;
    RC_ASSERT(join(a, b) == join(b, a));
  }));
  CAF_CHECK(rc::check("associative", [=] {
    auto a = *values;
    auto b = *values;
    auto c = *values;
    RC_ASSERT(join(join(a, b), c) == join(a, join(b, c)));
  }));
  CAF_CHECK(rc::check("idempotent", [=] {
    auto a = *values;
    RC_ASSERT(join(a, a) == a);
  }));
  CAF_CHECK(rc::check(
    "replicas converge under reordering, duplication and loss then refresh",
    [=] {
      auto writes = *rc::gen::container<std::vector<json>>(values);
      // The empty value as the join writes it.
      const auto bottom = join(json::object(), json::object());
      json all = bottom;
      for (auto& w : writes)
        all = join(all, w);
      auto replicas = *rc::gen::inRange<size_t>(2, 5);
      for (size_t r = 0; r < replicas; ++r) {
        // Every write in an order of the replica's own, some twice.
        auto keys = *rc::gen::container<std::vector<uint32_t>>(
          writes.size(), rc::gen::arbitrary<uint32_t>());
        std::vector<size_t> index(writes.size());
        std::iota(index.begin(), index.end(), size_t{0});
        std::sort(index.begin(), index.end(),
                  [&](size_t a, size_t b) { return keys[a] < keys[b]; });
        std::vector<json> order;
        for (auto i : index)
          order.push_back(writes[i]);
        auto twice = *rc::gen::container<std::vector<bool>>(
          order.size(), rc::gen::arbitrary<bool>());
        json state = bottom;
        for (size_t i = 0; i < order.size(); ++i) {
          state = join(state, order[i]);
          if (twice[i])
            state = join(state, order[i]);
        }
        RC_ASSERT(state == all);
        // A replica that lost some writes catches up from a peer's state.
        auto lost = *rc::gen::container<std::vector<bool>>(
          order.size(), rc::gen::arbitrary<bool>());
        json lossy = bottom;
        for (size_t i = 0; i < order.size(); ++i)
          if (!lost[i])
            lossy = join(lossy, order[i]);
        RC_ASSERT(join(lossy, state) == all);
      }
    }));
}

} // namespace

CAF_TEST(the counter join is a join) {
  check_join_laws(
    "counter_value::join", counter_values(),
    [](const json& x, const json& y) { return counter_value::join(x, y); });
}

CAF_TEST(the generations join is a join) {
  check_join_laws("replicated_generations::join", generation_values(),
                  [](const json& x, const json& y) {
                    return replicated_generations::join(x, y);
                  });
}

CAF_TEST(a counter reads the same on replicas that converged) {
  CAF_CHECK(rc::check("value_of(join(a, b)) == value_of(join(b, a))", [] {
    auto a = *counter_values();
    auto b = *counter_values();
    RC_ASSERT(counter_value::value_of(counter_value::join(a, b))
              == counter_value::value_of(counter_value::join(b, a)));
  }));
}

CAF_TEST(a fold keeps the value of the counter) {
  // Two writers; the second dies and the first absorbs it.
  CAF_CHECK(rc::check("value before fold == value after", [] {
    auto p1 = *rc::gen::inRange<uint64_t>(0, 100);
    auto n1 = *rc::gen::inRange<uint64_t>(0, 100);
    auto p2 = *rc::gen::inRange<uint64_t>(0, 100);
    auto n2 = *rc::gen::inRange<uint64_t>(0, 100);
    auto before
      = counter_value::join(counter_value::with_slot("live", {"a", p1, n1, 1}),
                            counter_value::with_slot("dead", {"b", p2, n2, 1}));
    auto fold = counter_value::with_slot("live", {"a", p1 + p2, n1 + n2, 2});
    fold["folded"]["dead"] = 2;
    // A replica that hears the fold before the dead writer's last write,
    // and one that hears it after, agree.
    auto early = counter_value::join(
      counter_value::join(counter_value::with_slot("live", {"a", p1, n1, 1}),
                          fold),
      counter_value::with_slot("dead", {"b", p2, n2, 1}));
    auto late = counter_value::join(before, fold);
    RC_ASSERT(early == late);
    RC_ASSERT(counter_value::value_of(late) == counter_value::value_of(before));
    RC_ASSERT(counter_value::slot_count(late) == 1u);
  }));
}
