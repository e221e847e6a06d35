#pragma once

#include "podshare/net/p2p/config.hpp"

#include <caf/actor_system_config.hpp>
#include <caf/error.hpp>

namespace podshare::net {

/// Prepares an actor system configuration for the p2p transport, before the
/// `caf::actor_system` is built: runs `podshare::configure`, loads CAF's
/// middleman (whose multiplexer runs the transport's broker), registers the
/// types of the store interface that remote clients use, and records the
/// TLS material, which the system's p2p transports then use unless their
/// `p2p_config::tls` names other material. With TLS material it also loads
/// `caf::openssl`, which only the optional client port uses: peers speak
/// TLS through the transport's own OpenSSL sessions. Fails with
/// `invalid_argument` when the TLS material does not check out.
caf::error configure_p2p(caf::actor_system_config& cfg,
                         const p2p_tls& tls = {});

/// Registers the types of the store interface and the p2p lookups only: for
/// a remote client that loads the middleman itself.
void add_p2p_types(caf::actor_system_config& cfg);

/// The TLS material an actor system was configured with.
p2p_tls tls_of(const caf::actor_system_config& cfg);

} // namespace podshare::net
