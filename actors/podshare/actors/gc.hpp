#pragma once

#include "podshare/interfaces.hpp"
#include "podshare/options.hpp"
#include "podshare/replica.hpp"

#include <caf/actor_addr.hpp>
#include <caf/stateful_actor.hpp>

#include <memory>
#include <vector>

namespace podshare::actors {

/// What a GC actor starts from.
struct gc_config {
  std::shared_ptr<const replica> map;
  podshare::options options;
  /// The store, held weakly: helpers must not keep their store alive.
  caf::actor_addr store;
};

/// The state of a GC actor: scans a pinned view of the replica for
/// tombstones past their TTL; the store drops them.
struct gc_state {
  static inline const char* name = "podshare.gc";

  /// Returns the tombstones older than the TTL at wall-clock time `now`.
  std::vector<expired_tombstone> scan(int64_t now) const;

  gc_config cfg;
};

/// The tombstone GC of one store; ticks every `gc_interval` (never if zero).
gc_actor::behavior_type gc(gc_actor::stateful_pointer<gc_state> self,
                           gc_config cfg);

} // namespace podshare::actors
