#pragma once

#include "podshare/interfaces.hpp"
#include "podshare/net/redis/options.hpp"

#include <caf/actor_system.hpp>
#include <caf/expected.hpp>

namespace podshare::net {

/// Spawns a Redis transport and waits until it is connected (at most
/// `opts.connect_timeout`): any number of topics over two connections to one
/// server, one for commands and one for the subscription (docs/redis.md).
/// Fails with `invalid_argument` for unusable options (TLS, or a system
/// without `caf::io::middleman` loaded) and with `transport_failed` when the
/// server is unreachable, refuses AUTH or does not answer in time. Once
/// connected, the transport reconnects on its own and refreshes its stores.
caf::expected<transport_actor> spawn_redis_transport(caf::actor_system& sys,
                                                     const redis_options& opts);

} // namespace podshare::net
