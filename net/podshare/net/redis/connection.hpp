#pragma once

#include "podshare/bytes.hpp"

#include <caf/actor.hpp>
#include <caf/actor_system.hpp>
#include <caf/atom.hpp>
#include <caf/error.hpp>
#include <caf/replies_to.hpp>
#include <caf/timespan.hpp>
#include <caf/typed_actor.hpp>

#include <cstdint>
#include <string>

/// One TCP connection to Redis: connecting off the scheduler, then bytes in
/// and out through a broker on CAF's multiplexer (no thread per connection).
namespace podshare::net::redis {

using connected_atom = caf::atom_constant<caf::atom("r_conn")>;
using data_atom = caf::atom_constant<caf::atom("r_data")>;
using dropped_atom = caf::atom_constant<caf::atom("r_dropped")>;
using write_atom = caf::atom_constant<caf::atom("r_write")>;

/// What a connection reports to its owner. `tag` tells connections apart.
using connection_listener = caf::typed_actor<
  // The TCP connection to the server is up: `fd` is a connected socket.
  caf::reacts_to<connected_atom, uint64_t, int>,
  // Connecting failed, or the connection broke.
  caf::reacts_to<dropped_atom, uint64_t, caf::error>,
  // Bytes from the server.
  caf::reacts_to<data_atom, uint64_t, bytes>>;

/// Connects to `host:port` within `timeout` on a short-lived detached actor,
/// so that a slow connect never blocks a scheduler thread. Reports
/// `connected` or `dropped` to `owner`.
void connect_async(caf::actor_system& sys, const connection_listener& owner,
                   const std::string& host, uint16_t port,
                   caf::timespan timeout, uint64_t tag);

/// Starts a broker that owns the connected socket `fd`: it reports received
/// bytes and the end of the connection to `owner`, writes what it gets in
/// `(write_atom, bytes)` messages and closes on `close_atom`. It exits with
/// the connection or when its owner exits.
caf::actor spawn_pipe(caf::actor_system& sys, connection_listener owner, int fd,
                      uint64_t tag);

} // namespace podshare::net::redis
