// Repair by difference: two stores share an N-key topic on a memory
// transport; b is unsubscribed while a makes k writes (b loses them), then
// b hears a resync. Reported: the entries and bytes a sent to repair b, and
// the time from the resync until b holds all N + k keys. Both must grow with
// k, not with N (docs/performance.md).

#include "common.hpp"

#include <caf/actor_cast.hpp>
#include <caf/scoped_actor.hpp>

#include <thread>

namespace podshare::bench {

namespace {

void podshare_repair(benchmark::State& state) {
  auto n = static_cast<size_t>(state.range(0));
  auto k = static_cast<size_t>(state.range(1));
  auto keys = make_keys(n);
  auto& sys = system();
  uint64_t entries = 0;
  uint64_t bytes = 0;
  int round = 0;
  for (auto _ : state) {
    state.PauseTiming();
    // The stores and their maps die at the end of this block, while the
    // timing is paused: freeing 200,000 entries is no part of a repair.
    {
      auto topic = "repair" + std::to_string(round++);
      auto transport = make_transport();
      auto a = open(topic, transport);
      auto b = open(topic, transport);
      fill(a, keys);
      while (b.stats().keys < n)
        std::this_thread::yield();
      // The snapshots of the fill persisted (a resync persists a changed
      // one, and building the whole map is no part of a repair).
      std::this_thread::sleep_for(std::chrono::milliseconds{500});
      // b stops hearing the topic's events (not the repair topics); `sync`
      // answers once the transport has handled the unsubscribe.
      caf::scoped_actor self{sys};
      auto me = caf::actor_cast<subscriber_actor>(b.actor());
      self->send(transport, unsubscribe_atom::value, topic, me);
      self
        ->request(caf::actor_cast<transport_sync_actor>(transport),
                  caf::infinite, sync_atom::value)
        .receive([](ok_atom) {}, [](caf::error&) { std::abort(); });
      for (size_t i = 0; i < k; ++i)
        if (!a.set("missed" + std::to_string(i), make_value(i)))
          std::abort();
      self->request(transport, caf::infinite, subscribe_atom::value, topic, me)
        .receive([](ok_atom) {}, [](caf::error&) { std::abort(); });
      auto before = a.stats();
      state.ResumeTiming();
      self->send(b.actor(), resync_atom::value, topic);
      while (b.stats().keys < n + k)
        std::this_thread::yield();
      state.PauseTiming();
      auto after = a.stats();
      entries = after.repair_entries_sent - before.repair_entries_sent;
      bytes = after.repair_bytes_sent - before.repair_bytes_sent;
      a.close();
      b.close();
    }
    state.ResumeTiming();
  }
  state.counters["entries_sent"] = static_cast<double>(entries);
  state.counters["bytes_sent"] = static_cast<double>(bytes);
}
BENCHMARK(podshare_repair)
  ->Args({10000, 10})
  ->Args({100000, 10})
  ->Args({100000, 1000})
  ->Iterations(3)
  ->Unit(benchmark::kMillisecond)
  ->UseRealTime();

} // namespace

} // namespace podshare::bench
