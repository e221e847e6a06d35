#pragma once

// Shared set-up of the benchmarks: the data shape of the goals (10,000 keys
// of 16 bytes, values of 64 bytes), one actor system per scheduling mode for
// the whole run, and a store opener.

#include "podshare/configure.hpp"
#include "podshare/store.hpp"

#include <benchmark/benchmark.h>

#include <caf/actor_system.hpp>

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <string>
#include <vector>

namespace podshare::bench {

constexpr size_t key_count = 10000;

using string_store = podshare::store<std::string>;

/// `n` distinct keys of exactly 16 bytes.
std::vector<std::string> make_keys(size_t n = key_count);

/// The keys of `make_keys()` in a fixed shuffled order, for reads: a
/// lookup in key order would walk a baseline map's nodes in the order they
/// were allocated, which the hardware prefetcher turns into a best case
/// that services reading scattered keys do not get.
const std::vector<std::string>& lookup_keys();

/// A value of exactly 64 bytes.
std::string make_value(size_t salt = 0);

/// The run's actor system with workers that wait as `mode` says; each is
/// created once, on first use.
caf::actor_system& system(scheduling mode = scheduling::caf_default);

/// The scheduling a benchmark registered with `Arg(0)` (CAF's default),
/// `Arg(1)` (responsive) or `Arg(2)` (on demand) runs under.
scheduling scheduling_of(const benchmark::State& state);

/// A fresh memory transport.
transport_actor make_transport(scheduling mode = scheduling::caf_default);

/// Opens a store on `transport`, in the actor system of `mode`; aborts the
/// run on failure.
string_store open(const std::string& topic, transport_actor transport,
                  options opts = {}, scheduling mode = scheduling::caf_default);

/// Fills `s` with `key_count` entries in batches.
void fill(string_store& s, const std::vector<std::string>& keys);

/// Nanoseconds on the steady clock.
inline int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
           std::chrono::steady_clock::now().time_since_epoch())
    .count();
}

/// CPU time of the whole process, in nanoseconds.
int64_t process_cpu_ns();

/// CPU time of the calling thread, in nanoseconds.
int64_t thread_cpu_ns();

/// Measures, per iteration, a write of key "hot" sent to `a` until the
/// event reaches a blocking watcher of `b`; reports p50 and p99, then closes
/// both stores.
void measure_remote_watch(benchmark::State& state, string_store a,
                          string_store b);

/// Reports p50 and p99 of `samples` (nanoseconds) as counters in µs.
void report_percentiles(benchmark::State& state, std::vector<int64_t> samples);

} // namespace podshare::bench
