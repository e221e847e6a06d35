#pragma once

// Closing CAF's connection to one node, which CAF 0.17 has no call for.
// Internal: not installed for users.

#include <caf/fwd.hpp>

namespace podshare::net::p2p_ops {

/// Closes the BASP connection between this actor system and `peer`, if there
/// is one: CAF forgets its route and its proxies of `peer`'s actors (their
/// monitors see them go down), sends what is queued for the socket and
/// then shuts it. The peer sees the connection closed. The next
/// connect to `peer` opens a new connection. Asynchronous and thread-safe.
void close_basp_connection(caf::actor_system& sys, const caf::node_id& peer);

} // namespace podshare::net::p2p_ops
