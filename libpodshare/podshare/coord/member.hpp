#pragma once

#include "podshare/coord/interfaces.hpp"
#include "podshare/coord/membership_state.hpp"
#include "podshare/store_handle.hpp"

#include <caf/actor_system.hpp>

namespace podshare::coord {

/// Spawns the member `cfg.name` on an open presence store (its values are
/// JSON heartbeats, `json_codec`). It heartbeats at once and then every
/// `cfg.heartbeat`. For actors and deterministic tests; plain threads use
/// `membership`.
membership_actor spawn_member(caf::actor_system& sys, store_handle presence,
                              membership_config cfg);

} // namespace podshare::coord
