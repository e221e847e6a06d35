#pragma once

#include "podshare/net/p2p/config.hpp"

#include <caf/actor_system_config.hpp>
#include <caf/error.hpp>

namespace podshare::net {

/// Prepares an actor system configuration for the p2p transport, before the
/// `caf::actor_system` is built: runs `podshare::configure`, loads CAF's
/// middleman, registers every type that crosses the network (the p2p
/// messages and the store interface, for remote store handles) and, with
/// TLS material, loads `caf::openssl` with it. TLS is a property of the
/// whole actor system in CAF 0.17, not of one transport. Fails with
/// `invalid_argument` when the TLS material does not check out.
caf::error configure_p2p(caf::actor_system_config& cfg,
                         const p2p_tls& tls = {});

/// Registers the types of the p2p protocol and the store interface only: for
/// a remote client that loads the middleman itself.
void add_p2p_types(caf::actor_system_config& cfg);

/// The TLS material an actor system was configured with.
p2p_tls tls_of(const caf::actor_system_config& cfg);

} // namespace podshare::net
