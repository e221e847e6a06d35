#pragma once

#include "podshare/interfaces.hpp"

#include <caf/actor_addr.hpp>
#include <caf/actor_system.hpp>
#include <caf/stateful_actor.hpp>

#include <string>
#include <unordered_map>
#include <vector>

namespace podshare::net {

/// The state of an in-process transport: subscribers and the latest snapshot
/// per topic. For tests and single-process demos.
struct memory_transport_state {
  static inline const char* name = "podshare.memory_transport";

  /// Removes `who` from every topic.
  void forget(const caf::actor_addr& who);

  /// Held weakly: a store that nobody references any more goes away even if
  /// it never unsubscribed.
  std::unordered_map<std::string, std::vector<caf::actor_addr>> subscribers;
  std::unordered_map<std::string, bytes> snapshots;
  bool closed = false;
};

/// An in-process transport actor: publish fans out to every subscriber of
/// the topic (the sender included), snapshots live in a map.
transport_actor::behavior_type memory_transport(
  transport_actor::stateful_pointer<memory_transport_state> self);

/// Spawns a memory transport.
transport_actor spawn_memory_transport(caf::actor_system& sys);

} // namespace podshare::net
