#pragma once

#include <caf/actor_system_config.hpp>

namespace podshare {

/// Prepares an actor system configuration for podshare: registers the
/// `podshare` error category so that `sys.render(err)` names our codes.
/// Call it before constructing the `caf::actor_system`.
void configure(caf::actor_system_config& cfg);

} // namespace podshare
