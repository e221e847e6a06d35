#include "podshare/detail/counters.hpp"

#include <mutex>
#include <vector>

namespace podshare::detail {

namespace {

// The owned cell indexes no living thread holds.
struct cell_pool {
  std::mutex mtx;
  std::vector<size_t> free;
  size_t never_used = 0;

  static cell_pool& instance() {
    // Leaked on purpose: thread_local destructors may run after static ones.
    static auto* pool = new cell_pool;
    return *pool;
  }
};

// Takes an owned index for the calling thread and gives it back when the
// thread exits; the mutex orders the old owner's last add before the new
// owner's first.
struct thread_cell {
  size_t index = striped_counter::owned_cells;

  thread_cell() {
    auto& pool = cell_pool::instance();
    std::lock_guard<std::mutex> guard{pool.mtx};
    if (!pool.free.empty()) {
      index = pool.free.back();
      pool.free.pop_back();
    } else if (pool.never_used < striped_counter::owned_cells) {
      index = pool.never_used++;
    }
  }

  ~thread_cell() {
    if (index == striped_counter::owned_cells)
      return;
    auto& pool = cell_pool::instance();
    std::lock_guard<std::mutex> guard{pool.mtx};
    pool.free.push_back(index);
  }
};

} // namespace

size_t striped_counter::cell_index() {
  thread_local thread_cell cell;
  return cell.index;
}

podshare::stats counters::read() const {
  auto get = [](const std::atomic<uint64_t>& x) {
    return x.load(std::memory_order_relaxed);
  };
  podshare::stats result;
  result.writes_local = get(writes_local);
  result.writes_applied = get(writes_applied);
  result.writes_rejected = get(writes_rejected);
  result.reads = reads.load();
  result.events_dispatched = get(events_dispatched);
  result.events_watched = get(events_watched);
  result.watchers_active = get(watchers_active);
  result.watchers_dropped = get(watchers_dropped);
  result.snapshots = get(snapshots);
  result.snapshot_bytes = get(snapshot_bytes);
  result.keys = get(keys);
  result.tombstones = get(tombstones);
  result.tombstones_gced = get(tombstones_gced);
  result.revision = get(revision);
  result.gaps_detected = get(gaps_detected);
  result.repairs_requested = get(repairs_requested);
  result.repairs_answered = get(repairs_answered);
  result.repair_entries_sent = get(repair_entries_sent);
  result.repair_bytes_sent = get(repair_bytes_sent);
  result.repairs_full = get(repairs_full);
  return result;
}

} // namespace podshare::detail
