#pragma once

#include "podshare/hybrid_clock.hpp"
#include "podshare/value_ops.hpp"
#include "podshare/wire.hpp"

#include <caf/error.hpp>
#include <caf/timespan.hpp>

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>

namespace spdlog {
class logger;
} // namespace spdlog

namespace podshare {

/// Receives non-fatal errors: bad peer messages, snapshot failures, dropped
/// watchers, clock skew. Called from the store's actors: keep it short.
using error_handler = std::function<void(const caf::error&)>;

/// How a store is opened. Defaults are those of spec §5.
struct options {
  /// The wire encoding this store sends; it accepts both.
  wire::format wire = wire::format::msgpack;
  /// This store's node id; empty picks 12 random bytes as 24 hex characters.
  std::string node_id;
  /// Hears of non-fatal errors; none by default.
  podshare::error_handler error_handler;
  /// Where the store logs; none by default.
  std::shared_ptr<spdlog::logger> logger;
  /// Events a watcher may have buffered before it is dropped.
  size_t watch_buffer = 64;
  /// How long after a write the snapshot is persisted (debounce).
  caf::timespan snapshot_interval = std::chrono::milliseconds{200};
  /// The share of its time the snapshotter may spend building snapshots
  /// while writes keep coming: after a build that took `d`, the next starts
  /// no sooner than `d * (1 / share - 1)` after it ended. Bounds the CPU a
  /// large map costs, at the price of older snapshots; a share outside (0, 1)
  /// lifts the bound.
  double snapshot_cpu_share = 0.2;
  /// How long a tombstone is kept, by its version timestamp.
  caf::timespan tombstone_ttl = std::chrono::hours{24};
  /// How often the GC sweeps expired tombstones; zero disables the tick.
  caf::timespan gc_interval = std::chrono::minutes{5};
  /// A peer message further off our clock is reported (and still applied);
  /// zero disables the check.
  caf::timespan max_clock_skew = std::chrono::minutes{1};
  /// How often a store tells its peers what it has applied (a digest on
  /// the topic's repair topic), so that a lost message is repaired even when
  /// nothing else is written; zero disables it (docs/architecture.md,
  /// "Revisions and repair").
  caf::timespan anti_entropy_interval = std::chrono::seconds{10};
  /// Whether the replica keeps its entries in key order too, for `range`,
  /// `prefix` and sorted `keys`. Off, those still answer, in order, by
  /// scanning and sorting the map: a store that never reads ranges saves
  /// about 9 bytes an entry and 4–17% of its work per write
  /// (docs/performance.md).
  bool ordered_reads = true;
  /// How long a store waits for its transport to take a message or a
  /// snapshot before it reports the failure.
  caf::timespan transport_timeout = std::chrono::seconds{5};
  /// How long the blocking facade waits for its store to answer.
  caf::timespan call_timeout = std::chrono::seconds{30};
  /// The wall clock behind the hybrid clock and the TTL; tests inject one.
  podshare::wall_clock wall_clock;
};

} // namespace podshare
