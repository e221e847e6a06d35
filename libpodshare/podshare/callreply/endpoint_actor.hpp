#pragma once

#include "podshare/callreply/endpoint_state.hpp"
#include "podshare/callreply/interfaces.hpp"

#include <caf/actor_system.hpp>
#include <caf/expected.hpp>

namespace podshare::callreply {

/// Opens the routing store `topic` on `transport` (JSON values, as Go's).
caf::expected<store_handle> open_routing(caf::actor_system& sys,
                                         std::string topic,
                                         transport_actor transport,
                                         podshare::options opts);

/// Spawns an endpoint on an open routing store. It subscribes to its inbox,
/// drops the routes that name its pod from an earlier process, and answers
/// `open` once it listens. For actors and deterministic tests; plain threads
/// use `endpoint`.
endpoint_actor spawn_endpoint(caf::actor_system& sys, endpoint_config cfg);

} // namespace podshare::callreply
