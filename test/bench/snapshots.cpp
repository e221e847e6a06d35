// Snapshots: building and encoding one, how long a concurrent build pauses
// writes, opening a late joiner from a 100,000-key snapshot, and memory per
// entry.

#include "common.hpp"

#include "podshare/actors/snapshotter.hpp"

#include <atomic>
#include <malloc.h>
#include <thread>
#include <unordered_map>

namespace podshare::bench {

namespace {

// A replica with `n` live entries, filled as the store fills it.
std::shared_ptr<replica> make_replica(size_t n, bool ordered = true) {
  auto map = std::make_shared<replica>(layout_of<std::string>(), ordered);
  auto keys = make_keys(n);
  for (size_t i = 0; i < n; ++i) {
    auto value = make_value(i);
    map->put(keys[i], version{1, "0123456789abcdef01234567", i + 1}, &value);
  }
  map->publish();
  return map;
}

std::shared_ptr<const value_ops> string_values() {
  return std::make_shared<const value_ops>(make_value_ops<std::string>());
}

void podshare_snapshot_build(benchmark::State& state) {
  auto n = static_cast<size_t>(state.range(0));
  actors::snapshotter_state st;
  st.cfg.map = make_replica(n);
  st.cfg.values = string_values();
  st.cfg.counters = std::make_shared<detail::counters>();
  for (auto _ : state) {
    auto built = st.build(0);
    benchmark::DoNotOptimize(built.payload.data());
    state.counters["bytes"] = static_cast<double>(built.payload.size());
  }
}
BENCHMARK(podshare_snapshot_build)
  ->Arg(10)
  ->Arg(1000)
  ->Arg(100000)
  ->Unit(benchmark::kMillisecond);

// Writes continuously on one thread and reports the longest gap between two
// completed writes, first with nothing else running, then while snapshots
// of 100,000 keys are built on the benchmark thread. On two cores the
// difference is CPU contention; the store's mailbox never waits for a build.
void podshare_snapshot_write_pause(benchmark::State& state) {
  auto s = open("pause", make_transport());
  auto keys = make_keys(100000);
  fill(s, keys);
  std::atomic<bool> stop{false};
  std::atomic<int64_t> longest_gap{0};
  std::thread writer{[&] {
    auto last = now_ns();
    size_t i = 0;
    while (!stop) {
      auto n = i++;
      s.set(keys[n % keys.size()], make_value(n));
      auto now = now_ns();
      if (now - last > longest_gap)
        longest_gap = now - last;
      last = now;
    }
  }};
  std::this_thread::sleep_for(std::chrono::milliseconds{300});
  auto idle_gap = longest_gap.exchange(0);
  actors::snapshotter_state st;
  st.cfg.map = s.map();
  st.cfg.values = string_values();
  st.cfg.counters = std::make_shared<detail::counters>();
  for (auto _ : state)
    benchmark::DoNotOptimize(st.build(0).payload.data());
  stop = true;
  writer.join();
  state.counters["max_write_gap_ms"] = static_cast<double>(longest_gap) / 1e6;
  state.counters["idle_write_gap_ms"] = static_cast<double>(idle_gap) / 1e6;
  s.close();
}
BENCHMARK(podshare_snapshot_write_pause)
  ->Unit(benchmark::kMillisecond)
  ->UseRealTime();

// A late joiner opening a topic whose snapshot holds 100,000 keys.
void podshare_open_from_snapshot(benchmark::State& state) {
  auto transport = make_transport();
  {
    auto first = open("late", transport);
    fill(first, make_keys(100000));
    first.close(); // flushes the snapshot
  }
  for (auto _ : state) {
    auto late = open("late", transport);
    if (late.stats().keys != 100000)
      state.SkipWithError("late joiner is missing keys");
    state.PauseTiming();
    late.close();
    state.ResumeTiming();
  }
}
BENCHMARK(podshare_open_from_snapshot)
  ->Unit(benchmark::kMillisecond)
  ->UseRealTime();

// Heap bytes per live entry beyond its key (16 bytes) and value (64 bytes):
// what destroying a replica of 100,000 entries gives back to malloc,
// measured on this thread so that other threads' churn stays out of it.
// `range(0)` is `options::ordered_reads`.
void podshare_memory_per_entry(benchmark::State& state) {
  constexpr size_t n = 100000;
  for (auto _ : state) {
    auto map = make_replica(n, state.range(0) != 0);
    auto before = static_cast<double>(mallinfo2().uordblks);
    map.reset();
    auto after = static_cast<double>(mallinfo2().uordblks);
    auto per_entry = (before - after) / n;
    state.counters["bytes_per_entry"] = per_entry;
    state.counters["overhead_bytes"] = per_entry - 16 - 64;
  }
}
BENCHMARK(podshare_memory_per_entry)
  ->Arg(1)
  ->Arg(0)
  ->Iterations(1)
  ->Unit(benchmark::kMillisecond);

} // namespace

} // namespace podshare::bench
