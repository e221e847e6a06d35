#pragma once

#include "podshare/net/p2p/interfaces.hpp"

#include <caf/actor_system.hpp>
#include <caf/expected.hpp>

#include <cstdint>
#include <string>

namespace podshare::net::p2p {

/// Publishes a `p2p_entry_actor` for remote CAF clients on `host:port`
/// (0 picks a port) over CAF's BASP, with caf::openssl when the actor
/// system was configured with TLS material; it answers `get_store` from
/// `transport` and closes the port when the transport exits. Blocks the
/// caller while the port is bound. Returns the bound port.
caf::expected<uint16_t> open_client_port(caf::actor_system& sys,
                                         const p2p_transport_actor& transport,
                                         const std::string& host,
                                         uint16_t port);

} // namespace podshare::net::p2p
