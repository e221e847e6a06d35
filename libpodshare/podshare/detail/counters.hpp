#pragma once

#include "podshare/stats.hpp"

#include <atomic>
#include <cstddef>
#include <cstdint>

namespace podshare::detail {

/// A counter that many threads bump at once without sharing a cache line
/// and, for the first threads, without an atomic read-modify-write: each
/// thread owns one padded cell while it lives and adds to it with a plain
/// load and store. Threads beyond the owned cells share the last one with
/// `fetch_add`. Reading sums the cells.
class striped_counter {
public:
  void add(uint64_t n = 1) {
    auto i = cell_index();
    auto& value = cells_[i].value;
    if (i < owned_cells)
      value.store(value.load(std::memory_order_relaxed) + n,
                  std::memory_order_relaxed);
    else
      value.fetch_add(n, std::memory_order_relaxed);
  }

  uint64_t load() const {
    uint64_t sum = 0;
    for (auto& cell : cells_)
      sum += cell.value.load(std::memory_order_relaxed);
    return sum;
  }

  /// Cells that one thread at a time owns; the cell after them is shared.
  static constexpr size_t owned_cells = 31;

private:
  struct alignas(64) cell {
    std::atomic<uint64_t> value{0};
  };

  /// The calling thread's cell: its own while it lives (handed to a later
  /// thread when it exits), or the shared one.
  static size_t cell_index();

  cell cells_[owned_cells + 1];
};

/// The live counters behind `stats`, shared by one topic's actors and its
/// facade. Each counter has one writer (the actor that owns the fact); any
/// thread reads them, so `stats()` costs no message round trip.
struct counters {
  std::atomic<uint64_t> writes_local{0};
  std::atomic<uint64_t> writes_applied{0};
  std::atomic<uint64_t> writes_rejected{0};
  /// Bumped by readers on any thread.
  striped_counter reads;
  std::atomic<uint64_t> events_dispatched{0};
  std::atomic<uint64_t> events_watched{0};
  std::atomic<uint64_t> watchers_active{0};
  std::atomic<uint64_t> watchers_dropped{0};
  std::atomic<uint64_t> snapshots{0};
  std::atomic<uint64_t> snapshot_bytes{0};
  std::atomic<uint64_t> keys{0};
  std::atomic<uint64_t> tombstones{0};
  std::atomic<uint64_t> tombstones_gced{0};
  std::atomic<uint64_t> revision{0};
  std::atomic<uint64_t> gaps_detected{0};
  std::atomic<uint64_t> repairs_requested{0};
  std::atomic<uint64_t> repairs_answered{0};
  std::atomic<uint64_t> repair_entries_sent{0};
  std::atomic<uint64_t> repair_bytes_sent{0};
  std::atomic<uint64_t> repairs_full{0};

  /// Adds `n` to `counter` (relaxed: counters order nothing).
  static void add(std::atomic<uint64_t>& counter, uint64_t n = 1) {
    counter.fetch_add(n, std::memory_order_relaxed);
  }

  /// Sets a gauge.
  static void set(std::atomic<uint64_t>& gauge, uint64_t value) {
    gauge.store(value, std::memory_order_relaxed);
  }

  /// Reads every counter.
  podshare::stats read() const;
};

} // namespace podshare::detail
