#pragma once

#include "podshare/detail/counters.hpp"
#include "podshare/interfaces.hpp"
#include "podshare/options.hpp"
#include "podshare/replica.hpp"
#include "podshare/value_ops.hpp"

#include <caf/actor_addr.hpp>
#include <caf/actor_clock.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/typed_response_promise.hpp>

#include <algorithm>
#include <atomic>
#include <memory>
#include <string>
#include <vector>

namespace podshare::actors {

/// What a snapshotter starts from.
struct snapshotter_config {
  std::string topic;
  transport_actor transport;
  std::shared_ptr<const replica> map;
  /// Encodes the replica's values, which it keeps decoded.
  std::shared_ptr<const value_ops> values;
  /// Set by the store on a change, cleared here when a snapshot is taken.
  std::shared_ptr<std::atomic<bool>> dirty;
  /// The fingerprint of the snapshot stored last, set here, read by the
  /// store; 0 until one is.
  std::shared_ptr<std::atomic<uint64_t>> persisted;
  std::shared_ptr<detail::counters> counters;
  podshare::options options;
  /// The store, held weakly: helpers must not keep their store alive.
  caf::actor_addr store;
  /// The topic has a merger: before each snapshot the store joins the stored
  /// one into its own state, so that the snapshot it then persists is the
  /// join of both. A transport keeps one value per key of the snapshots it
  /// is given; without this, a pod's contribution that another pod missed
  /// could vanish from the stored snapshot.
  bool join_stored = false;
};

/// A snapshot ready to persist, and the tombstones it left out.
struct built_snapshot {
  bytes payload;
  std::vector<expired_tombstone> expired;
  /// Live entries the codec could not encode, left out of the payload, and
  /// the first such failure.
  size_t unencodable = 0;
  caf::error first_failure;
};

/// The state of a snapshotter: debounces changes and persists one snapshot
/// per interval, built from a pinned view of the replica so that the store's
/// mailbox never waits for it.
struct snapshotter_state {
  static inline const char* name = "podshare.snapshotter";

  /// Builds and encodes a snapshot of the replica as it is now, leaving out
  /// tombstones older than the TTL at wall-clock time `now`. `applied` is
  /// the store's version vector read before: the replica holds at least
  /// what it says, so the snapshot may claim it.
  built_snapshot build(int64_t now,
                       const std::vector<applied_writes>& applied = {}) const;

  snapshotter_config cfg;
  /// Whether a debounce tick is scheduled.
  bool scheduled = false;
  /// Failed snapshots since the last success; each doubles the retry delay.
  unsigned failures = 0;
  /// Snapshots handed to the transport and not answered yet.
  unsigned in_flight = 0;
  /// When the next build may start at the earliest (the CPU share bound).
  caf::actor_clock::time_point earliest_build;
  /// Flushes waiting for every snapshot in flight (and the last change) to
  /// be persisted.
  std::vector<caf::typed_response_promise<ok_atom>> flushes;

  /// How long to wait before retrying after a failure: the snapshot
  /// interval, doubled per failure, at most 64 intervals.
  caf::timespan retry_delay() const {
    return cfg.options.snapshot_interval * (1u << std::min(failures, 6u));
  }

  /// The debounce after a change at `now`: the snapshot interval, or longer
  /// while the last build's share of CPU would otherwise be exceeded.
  caf::timespan debounce(caf::actor_clock::time_point now) const {
    return std::max(cfg.options.snapshot_interval, earliest_build - now);
  }
};

/// When a build that ran from `start` to `end` lets the next one start, so
/// that building takes at most `share` of the time.
caf::actor_clock::time_point
earliest_next_build(caf::actor_clock::time_point start,
                    caf::actor_clock::time_point end, double share);

/// The snapshotter of one store.
snapshotter_actor::behavior_type
snapshotter(snapshotter_actor::stateful_pointer<snapshotter_state> self,
            snapshotter_config cfg);

/// Returns whether a tombstone written at `timestamp` has outlived `ttl` at
/// wall-clock time `now`.
inline bool expired(int64_t timestamp, caf::timespan ttl, int64_t now) {
  return now - timestamp > ttl.count();
}

} // namespace podshare::actors
