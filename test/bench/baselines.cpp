// The baselines every podshare figure is compared with, compiled into the
// same binary and run in the same process (docs/performance.md).

#include "common.hpp"

#include <caf/event_based_actor.hpp>
#include <caf/scoped_actor.hpp>

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <shared_mutex>
#include <thread>
#include <unordered_map>

namespace podshare::bench {

namespace {

std::unordered_map<std::string, std::string> make_map() {
  std::unordered_map<std::string, std::string> map;
  auto keys = make_keys();
  for (size_t i = 0; i < keys.size(); ++i)
    map.emplace(keys[i], make_value(i));
  return map;
}

// Baseline 1: the limit for a read.
void baseline_map_find(benchmark::State& state) {
  static const auto map = make_map();
  const auto& keys = lookup_keys();
  size_t i = static_cast<size_t>(state.thread_index()) * 7919;
  for (auto _ : state) {
    auto found = map.find(keys[i++ % keys.size()]);
    benchmark::DoNotOptimize(found->second.data());
  }
}
BENCHMARK(baseline_map_find);

// Baseline 2: the Go podshare's design, a map behind a reader-writer lock.
struct locked_map {
  std::shared_mutex mtx;
  std::unordered_map<std::string, std::string> map = make_map();
};

locked_map& shared_locked_map() {
  static locked_map x;
  return x;
}

void baseline_shared_mutex_find(benchmark::State& state) {
  auto& m = shared_locked_map();
  const auto& keys = lookup_keys();
  size_t i = static_cast<size_t>(state.thread_index()) * 7919;
  for (auto _ : state) {
    std::shared_lock<std::shared_mutex> guard{m.mtx};
    auto found = m.map.find(keys[i++ % keys.size()]);
    benchmark::DoNotOptimize(found->second.data());
  }
}
BENCHMARK(baseline_shared_mutex_find)->Threads(1)->Threads(2);

// Baseline 2 under load: one writer updates the map continuously.
void baseline_shared_mutex_find_while_writing(benchmark::State& state) {
  auto& m = shared_locked_map();
  const auto& keys = lookup_keys();
  static std::atomic<bool> stop{false};
  static std::thread writer;
  if (state.thread_index() == 0) {
    stop = false;
    writer = std::thread{[&] {
      size_t j = 0;
      while (!stop) {
        std::unique_lock<std::shared_mutex> guard{m.mtx};
        m.map[keys[j % keys.size()]] = make_value(j);
        ++j;
      }
    }};
  }
  size_t i = static_cast<size_t>(state.thread_index()) * 7919;
  for (auto _ : state) {
    std::shared_lock<std::shared_mutex> guard{m.mtx};
    auto found = m.map.find(keys[i++ % keys.size()]);
    benchmark::DoNotOptimize(found->second.data());
  }
  if (state.thread_index() == 0) {
    stop = true;
    writer.join();
  }
}
BENCHMARK(baseline_shared_mutex_find_while_writing)->Threads(2)->UseRealTime();

// Baseline 3a: the limit for a write hand-off, a round trip through a
// spinning atomic.
void baseline_spin_handoff(benchmark::State& state) {
  std::atomic<uint64_t> ping{0};
  std::atomic<uint64_t> pong{0};
  std::atomic<bool> stop{false};
  std::thread peer{[&] {
    uint64_t seen = 0;
    while (!stop.load(std::memory_order_relaxed)) {
      auto x = ping.load(std::memory_order_acquire);
      if (x != seen) {
        seen = x;
        pong.store(x, std::memory_order_release);
      }
    }
  }};
  uint64_t n = 0;
  for (auto _ : state) {
    ping.store(++n, std::memory_order_release);
    while (pong.load(std::memory_order_acquire) != n) {
    }
  }
  stop = true;
  peer.join();
}
BENCHMARK(baseline_spin_handoff)->UseRealTime();

// Baseline 3b: the same round trip through a condition variable.
void baseline_condvar_handoff(benchmark::State& state) {
  std::mutex mtx;
  std::condition_variable cv;
  uint64_t ping = 0;
  uint64_t pong = 0;
  bool stop = false;
  std::thread peer{[&] {
    std::unique_lock<std::mutex> guard{mtx};
    uint64_t seen = 0;
    for (;;) {
      cv.wait(guard, [&] { return stop || ping != seen; });
      if (stop)
        return;
      seen = ping;
      pong = ping;
      cv.notify_all();
    }
  }};
  for (auto _ : state) {
    std::unique_lock<std::mutex> guard{mtx};
    auto n = ++ping;
    cv.notify_all();
    cv.wait(guard, [&] { return pong == n; });
  }
  {
    std::lock_guard<std::mutex> guard{mtx};
    stop = true;
  }
  cv.notify_all();
  peer.join();
}
BENCHMARK(baseline_condvar_handoff)->UseRealTime();

// Baseline 4: a bare CAF request/receive round trip to an actor that
// replies at once; Arg(1) under the responsive scheduling.
void baseline_caf_request(benchmark::State& state) {
  auto& sys = system(scheduling_of(state));
  auto echo
    = sys.spawn([]() -> caf::behavior { return {[](int x) { return x; }}; });
  caf::scoped_actor self{sys};
  for (auto _ : state)
    self->request(echo, caf::infinite, 1)
      .receive([](int) {}, [](caf::error&) {});
  caf::anon_send_exit(echo, caf::exit_reason::user_shutdown);
}
BENCHMARK(baseline_caf_request)->Arg(0)->Arg(1)->Arg(2)->UseRealTime();

} // namespace

} // namespace podshare::bench
