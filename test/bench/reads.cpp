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

void podshare_visit_while_writing(benchmark::State& state) {
  auto& s = read_store();
  const auto& keys = lookup_keys();
  static std::unique_ptr<paced_writer> writer;
  static int64_t started = 0;
  if (state.thread_index() == 0) {
    writer = std::make_unique<paced_writer>(s, 100000);
    started = now_ns();
  }
  size_t i = static_cast<size_t>(state.thread_index()) * 7919;
  for (auto _ : state)
    s.visit(keys[i++ % keys.size()], [](const std::string& value) {
      benchmark::DoNotOptimize(value.data());
    });
  if (state.thread_index() == 0) {
    auto seconds = static_cast<double>(now_ns() - started) / 1e9;
    state.counters["writes_per_s"]
      = static_cast<double>(writer->written()) / seconds;
    writer.reset();
  }
}
BENCHMARK(podshare_visit_while_writing)->Threads(2)->UseRealTime();

} // namespace

} // namespace podshare::bench
