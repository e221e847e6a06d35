#pragma once

#include "podshare/interfaces.hpp"

#include <caf/actor_system.hpp>

namespace podshare::net {

/// Spawns an in-process transport: publish fans out to every other
/// subscriber of the topic, snapshots live in a map. For tests and
/// single-process demos.
transport_actor spawn_memory_transport(caf::actor_system& sys);

} // namespace podshare::net
