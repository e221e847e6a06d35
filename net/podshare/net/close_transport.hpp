#pragma once

#include "podshare/interfaces.hpp"

#include <caf/actor_system.hpp>
#include <caf/error.hpp>
#include <caf/timespan.hpp>

#include <chrono>

namespace podshare::net {

/// Closes a transport that exits on `close` (Redis, p2p) and waits until it
/// has exited, at most `timeout`: call it before the actor system goes
/// away. The p2p and Redis transports are brokers on CAF's multiplexer, and
/// an actor system destroyed while one still has messages queued stops the
/// multiplexer under it: the broker and its queue are never freed. Returns
/// `timeout` if it did not exit in time.
caf::error close_transport(caf::actor_system& sys,
                           const transport_actor& transport,
                           caf::timespan timeout = std::chrono::seconds{5});

} // namespace podshare::net
