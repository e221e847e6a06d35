#pragma once

#include "podshare/bytes.hpp"
#include "podshare/ingest_budget.hpp"
#include "podshare/net/tcp_connect.hpp"

#include <caf/actor.hpp>
#include <caf/actor_system.hpp>
#include <caf/atom.hpp>
#include <caf/error.hpp>
#include <caf/replies_to.hpp>
#include <caf/timespan.hpp>
#include <caf/typed_actor.hpp>

#include <cstdint>
#include <memory>
#include <string>

/// One TCP connection to Redis: bytes in and out through a broker on CAF's
/// multiplexer (no thread per connection), on a socket `connect_async`
/// connected.
namespace podshare::net::redis {

using data_atom = caf::atom_constant<caf::atom("r_data")>;
using dropped_atom = caf::atom_constant<caf::atom("r_dropped")>;
using write_atom = caf::atom_constant<caf::atom("r_write")>;
using handled_atom = caf::atom_constant<caf::atom("r_handled")>;

/// What a connection reports to its owner. `tag` tells connections apart.
using connection_listener = connect_listener::extend<
  // The connection broke.
  caf::reacts_to<dropped_atom, uint64_t, caf::error>,
  // Bytes from the server, charged to the connection's ingest budget.
  caf::reacts_to<data_atom, uint64_t, bytes, ingest_ticket>>;

/// Starts a broker that owns the connected socket `fd`: it reports received
/// bytes and the end of the connection to `owner`, writes what it gets in
/// `(write_atom, bytes)` messages and closes on `close_atom`. It exits with
/// the connection or when its owner exits. With a `budget`, it charges what
/// it reads, stops reading while the budget is spent, and reads at most two
/// chunks ahead of its owner, who confirms each with `handled_atom`.
caf::actor spawn_pipe(caf::actor_system& sys, connection_listener owner, int fd,
                      uint64_t tag,
                      std::shared_ptr<ingest_budget> budget = nullptr);

} // namespace podshare::net::redis
