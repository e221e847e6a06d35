#pragma once

#include <caf/meta/type_name.hpp>

#include <cstdint>
#include <string>

namespace podshare {

/// A store's counters and gauges (spec §8).
struct stats {
  /// Write operations invoked on this store; batches count their items.
  uint64_t writes_local = 0;
  /// Entries that changed, by local and remote writes.
  uint64_t writes_applied = 0;
  /// Remote writes that lost last-write-wins.
  uint64_t writes_rejected = 0;
  /// `get` calls.
  uint64_t reads = 0;
  /// Events handed to watchers (one per watcher and event).
  uint64_t events_dispatched = 0;
  /// Events that reached the watchers, once per event however many took
  /// it (what the Go podshare counts as events dispatched).
  uint64_t events_watched = 0;
  /// Watchers currently registered.
  uint64_t watchers_active = 0;
  /// Watchers dropped because their buffer was full.
  uint64_t watchers_dropped = 0;
  /// Snapshots persisted.
  uint64_t snapshots = 0;
  /// Size of the last snapshot persisted, in bytes.
  uint64_t snapshot_bytes = 0;
  /// Live keys.
  uint64_t keys = 0;
  /// Tombstones held.
  uint64_t tombstones = 0;
  /// Tombstones dropped after their TTL.
  uint64_t tombstones_gced = 0;
  /// The local revision: changes applied since the store opened, local and
  /// remote (a reader that reads it and then the map sees at least that state).
  uint64_t revision = 0;
  /// Messages whose seq skipped past what their writer had delivered: a lost
  /// message noticed.
  uint64_t gaps_detected = 0;
  /// Repair requests sent: asking a peer for what this store lacks.
  uint64_t repairs_requested = 0;
  /// Repair requests this store answered with the difference.
  uint64_t repairs_answered = 0;
  /// Entries sent in repair answers.
  uint64_t repair_entries_sent = 0;
  /// Bytes of repair answers sent.
  uint64_t repair_bytes_sent = 0;
  /// Repairs that fell back to loading a whole snapshot: the difference could
  /// not be computed or the peer did not answer.
  uint64_t repairs_full = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, stats& x) {
  return f(caf::meta::type_name("stats"), x.writes_local, x.writes_applied,
           x.writes_rejected, x.reads, x.events_dispatched, x.events_watched,
           x.watchers_active, x.watchers_dropped, x.snapshots, x.snapshot_bytes,
           x.keys, x.tombstones, x.tombstones_gced, x.revision, x.gaps_detected,
           x.repairs_requested, x.repairs_answered, x.repair_entries_sent,
           x.repair_bytes_sent, x.repairs_full);
}

/// How far a store has come with the writes of one origin (a writer's node
/// id): what tells how far behind a pod is.
struct origin_progress {
  std::string origin;
  /// The timestamp of the newest write of `origin` applied here (ns since
  /// the Unix epoch, hybrid clock).
  int64_t newest = 0;
  /// Writes of `origin` applied here since the store opened.
  uint64_t applied = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, origin_progress& x) {
  return f(caf::meta::type_name("origin_progress"), x.origin, x.newest,
           x.applied);
}

} // namespace podshare
