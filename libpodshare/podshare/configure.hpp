#pragma once

#include <caf/actor_system_config.hpp>

namespace podshare {

/// How the actor system's workers wait for work (docs/performance.md,
/// "Scheduling"). The choice is the application's: it applies to every
/// actor of the system, not only to podshare's.
enum class scheduling {
  /// CAF's defaults: an idle worker polls about 100 times, then sleeps in
  /// 50 µs steps it cannot be woken from. Cheapest when idle, but a write
  /// from a plain thread often waits for a sleeping worker.
  caf_default,
  /// Idle workers keep polling for longer (20,000 attempts) before they
  /// back off, so a write from a plain thread finds one awake. Costs CPU
  /// after each burst of work; the figures are in docs/performance.md.
  responsive,
};

/// Prepares an actor system configuration for podshare: registers the
/// `podshare` error category so that `sys.render(err)` names our codes, and
/// sets the worker polling of `mode`. Call it before constructing the
/// `caf::actor_system`.
void configure(caf::actor_system_config& cfg,
               scheduling mode = scheduling::caf_default);

} // namespace podshare
