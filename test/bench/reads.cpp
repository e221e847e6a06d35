// The read path: a `get` from plain threads, alone and while the store
// applies 100,000 writes per second.

#include "common.hpp"

#include <atomic>
#include <memory>
#include <thread>
#include <unordered_map>

namespace podshare::bench {

namespace {

// One filled store shared by the read benchmarks.
string_store& read_store() {
  static auto* s = [] {
    auto* x = new string_store{open("reads", make_transport())};
    fill(*x, make_keys());
    return x;
  }();
  return *s;
}

// Writes to `s` at about `per_second` writes/s in batches of 100 until
// stopped.
class paced_writer {
public:
  paced_writer(string_store& s, int per_second) {
    thread_ = std::thread{[this, &s, per_second] {
      auto keys = make_keys();
      constexpr int batch = 100;
      auto period = std::chrono::nanoseconds{1000000000LL * batch / per_second};
      auto next = std::chrono::steady_clock::now();
      size_t j = 0;
      while (!stop_) {
        std::unordered_map<std::string, std::string> items;
        for (int i = 0; i < batch; ++i, ++j)
          items.emplace(keys[j % keys.size()], make_value(j));
        if (s.set_many(items))
          written_ += batch;
        next += period;
        std::this_thread::sleep_until(next);
      }
    }};
  }

  ~paced_writer() {
    stop_ = true;
    thread_.join();
  }

  uint64_t written() const { return written_; }

private:
  std::atomic<bool> stop_{false};
  std::atomic<uint64_t> written_{0};
  std::thread thread_;
};

void podshare_get(benchmark::State& state) {
  auto& s = read_store();
  const auto& keys = lookup_keys();
  size_t i = static_cast<size_t>(state.thread_index()) * 7919;
  for (auto _ : state)
    benchmark::DoNotOptimize(s.get(keys[i++ % keys.size()]));
}
BENCHMARK(podshare_get)->Threads(1)->Threads(2)->UseRealTime();

// Reads the value in place: what `find` does in baseline 1.
void podshare_visit(benchmark::State& state) {
  auto& s = read_store();
  const auto& keys = lookup_keys();
  size_t i = static_cast<size_t>(state.thread_index()) * 7919;
  for (auto _ : state)
    s.visit(keys[i++ % keys.size()], [](const std::string& value) {
      benchmark::DoNotOptimize(value.data());
    });
}
BENCHMARK(podshare_visit)->Threads(1)->Threads(2)->UseRealTime();

// Also reports how many cores everything but the readers used meanwhile
// (the writer thread, the store, CAF's workers): on a machine with fewer
// cores than readers plus that, the readers' share of idle is capped at
// (cores - write side) / readers whatever the read path costs.
void podshare_visit_while_writing(benchmark::State& state) {
  auto& s = read_store();
  const auto& keys = lookup_keys();
  static std::unique_ptr<paced_writer> writer;
  static int64_t started = 0;
  static int64_t process_cpu_at_start = 0;
  static std::atomic<int64_t> readers_cpu{0};
  static std::atomic<int> readers_done{0};
  if (state.thread_index() == 0) {
    readers_cpu = 0;
    readers_done = 0;
    writer = std::make_unique<paced_writer>(s, 100000);
    started = now_ns();
    process_cpu_at_start = process_cpu_ns();
  }
  size_t i = static_cast<size_t>(state.thread_index()) * 7919;
  auto thread_cpu_at_start = thread_cpu_ns();
  for (auto _ : state)
    s.visit(keys[i++ % keys.size()], [](const std::string& value) {
      benchmark::DoNotOptimize(value.data());
    });
  readers_cpu += thread_cpu_ns() - thread_cpu_at_start;
  ++readers_done;
  if (state.thread_index() == 0) {
    while (readers_done < state.threads())
      std::this_thread::yield();
    auto wall = static_cast<double>(now_ns() - started);
    auto process_cpu
      = static_cast<double>(process_cpu_ns() - process_cpu_at_start);
    state.counters["writes_per_s"]
      = static_cast<double>(writer->written()) / (wall / 1e9);
    state.counters["write_side_cores"]
      = (process_cpu - static_cast<double>(readers_cpu.load())) / wall;
    writer.reset();
  }
}
BENCHMARK(podshare_visit_while_writing)->Threads(2)->UseRealTime();

} // namespace

} // namespace podshare::bench
