#include "podshare/detail/counters.hpp"

namespace podshare::detail {

size_t striped_counter::cell_index() {
  static std::atomic<size_t> next{0};
  thread_local size_t index = next.fetch_add(1) % cell_count;
  return index;
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
  result.watchers_active = get(watchers_active);
  result.watchers_dropped = get(watchers_dropped);
  result.snapshots = get(snapshots);
  result.snapshot_bytes = get(snapshot_bytes);
  result.keys = get(keys);
  result.tombstones = get(tombstones);
  result.tombstones_gced = get(tombstones_gced);
  return result;
}

} // namespace podshare::detail
