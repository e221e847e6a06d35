// The write path: a blocking `set`, pipelined writes, and a write on one
// store reaching a watcher of another (memory transport).

#include "common.hpp"

#include <caf/scoped_actor.hpp>
#include <caf/send.hpp>

#include <chrono>
#include <thread>
#include <unordered_map>

namespace podshare::bench {

namespace {

// Back-to-back blocking sets; Arg(1) and Arg(2) under the responsive and
// on-demand schedulings.
void podshare_blocking_set(benchmark::State& state) {
  auto mode = scheduling_of(state);
  auto s = open("blocking_set", make_transport(mode), {}, mode);
  auto keys = make_keys();
  std::vector<int64_t> samples;
  samples.reserve(100000);
  size_t i = 0;
  for (auto _ : state) {
    auto start = now_ns();
    auto res = s.set(keys[i % keys.size()], make_value(i));
    samples.push_back(now_ns() - start);
    if (!res)
      state.SkipWithError("set failed");
    ++i;
  }
  report_percentiles(state, std::move(samples));
  s.close();
}
BENCHMARK(podshare_blocking_set)->Arg(0)->Arg(1)->Arg(2)->UseRealTime();

// One blocking set, then a pause of range(1) µs, as a service with light
// write traffic makes them: the set's latency, and the CPU the whole process
// spends per write, the polling of idle workers included.
void podshare_sporadic_set(benchmark::State& state) {
  auto mode = scheduling_of(state);
  auto s = open("sporadic_set", make_transport(mode), {}, mode);
  auto value = make_value();
  std::vector<int64_t> samples;
  auto cpu_start = process_cpu_ns();
  for (auto _ : state) {
    auto start = now_ns();
    if (!s.set("sporadic", value))
      state.SkipWithError("set failed");
    samples.push_back(now_ns() - start);
    std::this_thread::sleep_for(std::chrono::microseconds{state.range(1)});
  }
  auto cpu = process_cpu_ns() - cpu_start;
  report_percentiles(state, std::move(samples));
  state.counters["cpu_us_per_write"]
    = static_cast<double>(cpu) / 1e3 / static_cast<double>(state.iterations());
  s.close();
}
BENCHMARK(podshare_sporadic_set)
  ->Args({0, 4000})
  ->Args({1, 4000})
  ->Args({2, 4000})
  ->Args({0, 500})
  ->Args({1, 500})
  ->Args({2, 500})
  ->UseRealTime();

// The batched facade: one `set_many` of `range(0)` items per call.
void podshare_set_many(benchmark::State& state) {
  auto s = open("set_many", make_transport());
  auto keys = make_keys();
  auto batch_size = static_cast<size_t>(state.range(0));
  std::vector<std::unordered_map<std::string, std::string>> batches;
  for (size_t b = 0; b < keys.size() / batch_size; ++b) {
    std::unordered_map<std::string, std::string> batch;
    for (size_t i = 0; i < batch_size; ++i)
      batch.emplace(keys[b * batch_size + i], make_value(i));
    batches.push_back(std::move(batch));
  }
  size_t b = 0;
  for (auto _ : state)
    if (!s.set_many(batches[b++ % batches.size()]))
      state.SkipWithError("set_many failed");
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations())
                          * state.range(0));
  s.close();
}
BENCHMARK(podshare_set_many)->Arg(100)->Arg(1000)->UseRealTime();

// An actor sender: `range(0)` set messages in flight, then every reply.
void podshare_pipelined_sets(benchmark::State& state) {
  auto s = open("pipelined", make_transport());
  auto keys = make_keys();
  auto value = make_value();
  auto encoded = *msgpack_codec<std::string>::encode(value);
  auto decoded = make_erased<std::string>(value);
  auto n = static_cast<int>(state.range(0));
  caf::scoped_actor self{system()};
  for (auto _ : state) {
    for (int i = 0; i < n; ++i)
      self->send(s.actor(), set_atom::value,
                 write_item{keys[static_cast<size_t>(i) % keys.size()], encoded,
                            decoded});
    int replies = 0;
    self->receive_for(replies, n)([](const version&) {}, [](caf::error&) {});
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()) * n);
  s.close();
}
BENCHMARK(podshare_pipelined_sets)->Arg(1000)->UseRealTime();

// A write sent to store A until its event comes out of a watcher of B.
void podshare_write_to_remote_watch(benchmark::State& state) {
  auto transport = make_transport();
  measure_remote_watch(state, open("remote_watch", transport),
                       open("remote_watch", transport));
}
BENCHMARK(podshare_write_to_remote_watch)->UseRealTime();

} // namespace

} // namespace podshare::bench
