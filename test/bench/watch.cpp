// Watch fan-out: the cost of handing one batch of 1,000 events to 0, 1, 10
// and 100 actor watchers; and the cost of a blocking watch stream that a
// plain thread drains.

#include "common.hpp"

#include <caf/scoped_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include <atomic>
#include <thread>
#include <unordered_map>

namespace podshare::bench {

namespace {

constexpr size_t batch_size = 1000;

// Writes the same batch of 1,000 values once per iteration, each time
// waiting until `seen` has counted `events_per_batch` more events.
void write_batches_until_seen(benchmark::State& state, string_store& s,
                              const std::atomic<uint64_t>& seen,
                              uint64_t events_per_batch) {
  auto keys = make_keys();
  std::unordered_map<std::string, std::string> batch;
  for (size_t i = 0; i < batch_size; ++i)
    batch.emplace(keys[i], make_value(i));
  uint64_t expected = 0;
  for (auto _ : state) {
    if (!s.set_many(batch))
      state.SkipWithError("set_many failed");
    expected += events_per_batch;
    while (seen.load(std::memory_order_acquire) < expected)
      std::this_thread::yield();
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations())
                          * static_cast<int64_t>(batch_size));
}

// A watcher actor that counts what it receives.
watcher_actor spawn_counter(std::shared_ptr<std::atomic<uint64_t>> seen) {
  return system().spawn([seen]() -> watcher_actor::behavior_type {
    return {
      [seen](event_atom, watch_id, const event_batch& xs) {
        seen->fetch_add(xs.size(), std::memory_order_relaxed);
      },
      [](watch_end_atom, watch_id, watch_end) {},
    };
  });
}

void podshare_watch_fanout(benchmark::State& state) {
  auto watchers = static_cast<size_t>(state.range(0));
  options opts;
  opts.watch_buffer = 4 * batch_size;
  auto s = open("fanout", make_transport(), opts);
  auto seen = std::make_shared<std::atomic<uint64_t>>(0);
  caf::scoped_actor self{system()};
  for (size_t w = 0; w < watchers; ++w)
    self
      ->request(s.actor(), caf::infinite, watch_atom::value,
                watch_filter::all(), spawn_counter(seen))
      .receive([](watch_id) {}, [](caf::error&) {});
  write_batches_until_seen(state, s, *seen, watchers * batch_size);
  s.close();
}
BENCHMARK(podshare_watch_fanout)
  ->Arg(0)
  ->Arg(1)
  ->Arg(10)
  ->Arg(100)
  ->UseRealTime();

// Batches of 1,000 writes to a store with one blocking watcher
// (`store::watch`) that a plain thread drains, until it has seen them all.
void podshare_watch_stream(benchmark::State& state) {
  options opts;
  opts.watch_buffer = 4 * batch_size;
  auto s = open("stream", make_transport(), opts);
  auto stream = s.watch(watch_filter::all());
  std::atomic<uint64_t> seen{0};
  std::thread reader{[&] {
    while (stream.next(std::chrono::seconds{10}))
      seen.fetch_add(1, std::memory_order_release);
  }};
  write_batches_until_seen(state, s, seen, batch_size);
  s.close(); // ends the stream, and with it the reader
  reader.join();
}
BENCHMARK(podshare_watch_stream)->UseRealTime();

} // namespace

} // namespace podshare::bench
