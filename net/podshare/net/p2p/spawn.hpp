#pragma once

#include "podshare/net/p2p/config.hpp"
#include "podshare/net/p2p/configure.hpp"
#include "podshare/net/p2p/interfaces.hpp"

#include <caf/actor_system.hpp>
#include <caf/expected.hpp>

#include <cstdint>
#include <string>

/// The p2p transport's front door (docs/p2p.md).
namespace podshare::net {

/// A running p2p transport: its actor, the ports it listens on and its name.
struct p2p_handle {
  p2p_transport_actor actor;
  /// The port peers dial.
  uint16_t port = 0;
  std::string name;
  /// `host:port` as peers reach this pod (the advertised endpoint).
  std::string endpoint;
  /// The port for remote CAF clients; 0 when `client_port` was not set.
  uint16_t client_port = 0;

  /// The transport as stores see it.
  transport_actor transport() const;
};

/// Starts a p2p transport on an actor system prepared with `configure_p2p`:
/// checks the configuration and any TLS material, spawns the transport's
/// broker, binds `cfg.host:cfg.port` and starts dialling `cfg.peers`; with
/// `client_port` set, also publishes the typed store lookup for remote CAF
/// clients. Fails with `invalid_argument` for bad endpoints, limits or TLS
/// material and with `transport_failed` when a port cannot be bound. Close
/// it with `close` before the actor system goes away.
caf::expected<p2p_handle> spawn_p2p_transport(caf::actor_system& sys,
                                              p2p_config cfg);

} // namespace podshare::net
