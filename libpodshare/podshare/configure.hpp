#pragma once

#include <caf/actor_system_config.hpp>

namespace podshare {

/// How the actor system's workers wait for work (docs/performance.md,
/// "Scheduling"). The choice is the application's: it applies to every
/// actor of the system, not only to podshare's.
enum class scheduling {
  /// CAF's defaults: an idle worker polls about 100 times, then sleeps in
  /// 50 µs steps it cannot be woken from (about 500 of them) before it
  /// waits on a condition variable. A write from a plain thread often waits
  /// for a sleeping worker, and the 50 µs steps cost CPU while idle.
  caf_default,
  /// Idle workers keep polling for longer (20,000 attempts) before they
  /// back off, so a write from a plain thread finds one awake. Costs CPU
  /// after each burst of work; the figures are in docs/performance.md.
  responsive,
  /// An idle worker polls about 100 times, then waits on its condition
  /// variable, which work sent from outside the actor system (a facade
  /// call) signals; it looks for work to steal every 1 ms. On our 2-core
  /// machines a blocking write took a fifth of the time and sporadic writes
  /// a quarter to a third of the CPU of CAF's defaults. The cost: when a
  /// busy worker loses its core, an idle one may take up to 1 ms to steal
  /// its queue.
  on_demand,
};

/// Prepares an actor system configuration for podshare: registers the
/// `podshare` error category so that `sys.render(err)` names our codes, and
/// sets the worker polling of `mode`. Call it before constructing the
/// `caf::actor_system`.
void configure(caf::actor_system_config& cfg,
               scheduling mode = scheduling::caf_default);

} // namespace podshare
