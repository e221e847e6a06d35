#pragma once

#include <caf/actor_system.hpp>
#include <caf/atom.hpp>
#include <caf/error.hpp>
#include <caf/replies_to.hpp>
#include <caf/timespan.hpp>
#include <caf/typed_actor.hpp>

#include <cstdint>
#include <string>

/// Connecting a TCP socket off the scheduler, for the transports whose
/// brokers then adopt it (Redis, p2p).
namespace podshare::net {

using connected_atom = caf::atom_constant<caf::atom("tcp_conn")>;
using connect_failed_atom = caf::atom_constant<caf::atom("tcp_fail")>;

/// What `connect_async` reports to. `tag` tells attempts apart.
using connect_listener = caf::typed_actor<
  // The connection is up: `fd` is a connected, non-blocking socket with
  // TCP_NODELAY and SO_KEEPALIVE set. The answer says whether the listener
  // took it; if not, or if the listener is gone, the socket is closed.
  caf::replies_to<connected_atom, uint64_t, int>::with<bool>,
  // Resolving or connecting failed within the timeout.
  caf::reacts_to<connect_failed_atom, uint64_t, caf::error>>;

/// Connects to `host:port` within `timeout` on a short-lived detached actor,
/// so that neither DNS nor a slow connect blocks a scheduler or multiplexer
/// thread; reports to `owner`. A failure reads "cannot connect to `what` at
/// host:port: reason" (`transport_failed`).
void connect_async(caf::actor_system& sys, const connect_listener& owner,
                   const std::string& what, const std::string& host,
                   uint16_t port, caf::timespan timeout, uint64_t tag);

} // namespace podshare::net
