// Sorted reads out of 1,000,000 keys: a 100-key range and a walk over a
// prefix of 10,000 keys, beside std::map (the ordered baseline) and the
// hash map find (baseline 1).

#include "common.hpp"

#include <algorithm>
#include <map>
#include <memory>
#include <random>
#include <unordered_map>

namespace podshare::bench {

namespace {

constexpr size_t range_total = 1000000;
constexpr size_t range_length = 100;
// Holds keys key:000000120000 to key:000000129999.
constexpr const char* walked_prefix = "key:00000012";
constexpr size_t walked_keys = 10000;

// The keys in an order unrelated to theirs, as writes arrive in a pod.
std::vector<std::string> shuffled_keys() {
  auto keys = make_keys(range_total);
  std::shuffle(keys.begin(), keys.end(), std::minstd_rand{11});
  return keys;
}

const replica& sorted_replica() {
  static const auto* map = [] {
    auto* r = new replica{layout_of<std::string>()};
    auto keys = shuffled_keys();
    for (size_t i = 0; i < keys.size(); ++i) {
      auto value = make_value(i);
      r->put(keys[i], version{1, "0123456789abcdef01234567", i + 1}, &value);
      if (i % 1000 == 999)
        r->publish(); // batches, as a store applies them
    }
    r->publish();
    return r;
  }();
  return *map;
}

const std::map<std::string, std::string>& sorted_baseline() {
  static const auto* map = [] {
    auto* m = new std::map<std::string, std::string>;
    auto keys = shuffled_keys();
    for (size_t i = 0; i < keys.size(); ++i)
      m->emplace(keys[i], make_value(i));
    return m;
  }();
  return *map;
}

// Where each iteration's range starts: spread over the whole keyspace.
std::vector<std::string> range_starts() {
  auto keys = make_keys(range_total - range_length);
  std::shuffle(keys.begin(), keys.end(), std::minstd_rand{13});
  keys.resize(4096);
  return keys;
}

void podshare_range_100(benchmark::State& state) {
  const auto& map = sorted_replica();
  const auto starts = range_starts();
  size_t i = 0;
  for (auto _ : state) {
    size_t seen = 0;
    map.for_range(starts[i++ % starts.size()], {}, [&](const record& x) {
      benchmark::DoNotOptimize(x.value());
      return ++seen < range_length;
    });
  }
  state.SetItemsProcessed(state.iterations() * range_length);
}
BENCHMARK(podshare_range_100);

void baseline_std_map_range_100(benchmark::State& state) {
  const auto& map = sorted_baseline();
  const auto starts = range_starts();
  size_t i = 0;
  for (auto _ : state) {
    auto it = map.lower_bound(starts[i++ % starts.size()]);
    for (size_t seen = 0; seen < range_length; ++seen, ++it)
      benchmark::DoNotOptimize(it->second.data());
  }
  state.SetItemsProcessed(state.iterations() * range_length);
}
BENCHMARK(baseline_std_map_range_100);

void podshare_prefix_walk(benchmark::State& state) {
  const auto& map = sorted_replica();
  auto end = prefix_end(walked_prefix);
  for (auto _ : state) {
    size_t seen = 0;
    map.for_range(walked_prefix, end, [&](const record& x) {
      benchmark::DoNotOptimize(x.value());
      ++seen;
      return true;
    });
    if (seen != walked_keys)
      state.SkipWithError("the prefix walk missed keys");
  }
  state.SetItemsProcessed(state.iterations() * walked_keys);
}
BENCHMARK(podshare_prefix_walk);

void baseline_std_map_prefix_walk(benchmark::State& state) {
  const auto& map = sorted_baseline();
  auto end = prefix_end(walked_prefix);
  for (auto _ : state) {
    auto it = map.lower_bound(walked_prefix);
    auto stop = map.lower_bound(end);
    for (; it != stop; ++it)
      benchmark::DoNotOptimize(it->second.data());
  }
  state.SetItemsProcessed(state.iterations() * walked_keys);
}
BENCHMARK(baseline_std_map_prefix_walk);

// A point read in the same 1,000,000-key replica: the ordered index must
// not slow `get` down.
void podshare_get_1m(benchmark::State& state) {
  const auto& map = sorted_replica();
  auto keys = shuffled_keys();
  size_t i = 0;
  for (auto _ : state)
    map.read(keys[i++ % keys.size()],
             [](const record* x) { benchmark::DoNotOptimize(x->value()); });
}
BENCHMARK(podshare_get_1m);

void baseline_map_find_1m(benchmark::State& state) {
  static const auto* map = [] {
    auto* m = new std::unordered_map<std::string, std::string>;
    auto keys = shuffled_keys();
    for (size_t i = 0; i < keys.size(); ++i)
      m->emplace(keys[i], make_value(i));
    return m;
  }();
  auto keys = shuffled_keys();
  size_t i = 0;
  for (auto _ : state) {
    auto found = map->find(keys[i++ % keys.size()]);
    benchmark::DoNotOptimize(found->second.data());
  }
}
BENCHMARK(baseline_map_find_1m);

} // namespace

} // namespace podshare::bench
