#pragma once

#include <caf/error.hpp>
#include <caf/expected.hpp>
#include <caf/timespan.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace podshare::coord {

/// Per-key generation counters for cache invalidation: a cache remembers
/// the generation it read with a value, and a bump anywhere tells every
/// reader that the value is stale. Three implementations with different
/// guarantees (docs/coordination.md): `local_generations` (one process),
/// `replicated_generations` (a podshare topic, no server) and
/// `redis_generations` (one global order through Redis INCR).
class generations {
public:
  virtual ~generations() = default;

  /// The generation of `key`; 0 when it was never bumped (or cleaned up).
  virtual caf::expected<uint64_t> snapshot(const std::string& key) = 0;

  /// The generations of `keys`, in order, read at once.
  virtual caf::expected<std::vector<uint64_t>>
  snapshot_many(const std::vector<std::string>& keys) = 0;

  /// Bumps `key`; returns its new generation.
  virtual caf::expected<uint64_t> bump(const std::string& key) = 0;

  /// Drops every key not bumped within `retention`; returns how many. A
  /// dropped key reads 0 again, so keep `retention` longer than a cached
  /// value may live.
  virtual caf::expected<uint64_t> cleanup(caf::timespan retention) = 0;

  /// Releases what the implementation holds; later calls fail with
  /// `closed`. Idempotent.
  virtual caf::error close() = 0;
};

} // namespace podshare::coord
