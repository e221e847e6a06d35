#pragma once

// A transport that injects faults in front of a memory transport: a publish
// that fails or is lost, a snapshot store that fails or never answers. The
// store under test cannot tell it from a real backend having a bad day.

#include "fixture.hpp"
#include "podshare/interfaces.hpp"

#include <caf/actor_system.hpp>

#include <atomic>
#include <memory>

namespace podshare::testing {

/// Switches a test flips while the store runs.
struct faults {
  std::atomic<bool> fail_publish{false};
  std::atomic<bool> hang_publish{false};
  std::atomic<bool> fail_snapshots{false};
  std::atomic<bool> hang_snapshots{false};
  /// The next publishes to lose: answered as taken, delivered to no one.
  std::atomic<int> drop_publishes{0};
  /// Publishes that reached the transport, counted whatever befell them.
  std::atomic<int> publishes{0};
  /// Publishes on the repair protocol's topics, which see no faults.
  std::atomic<int> repair_publishes{0};
  /// Snapshots that reached the transport, likewise.
  std::atomic<int> snapshots{0};
};

/// Spawns a faulty transport in front of `inner`.
transport_actor spawn_fault_transport(caf::actor_system& sys,
                                      transport_actor inner,
                                      std::shared_ptr<faults> switches);

/// The store fixture with a faulty transport in front of its memory one.
struct fault_fixture : store_fixture {
  std::shared_ptr<faults> switches = std::make_shared<faults>();
  transport_actor faulty = spawn_fault_transport(sys, transport, switches);
};

} // namespace podshare::testing
