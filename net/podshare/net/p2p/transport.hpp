#pragma once

#include "podshare/net/p2p/config.hpp"
#include "podshare/net/p2p/interfaces.hpp"
#include "podshare/net/p2p/outbound_queue.hpp"

#include <caf/actor_addr.hpp>
#include <caf/actor_system.hpp>
#include <caf/expected.hpp>
#include <caf/io/middleman_actor.hpp>
#include <caf/stateful_actor.hpp>

#include <cstdint>
#include <map>
#include <random>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

namespace podshare::net {

/// A live session with one peer pod, keyed by the peer's node name. Both
/// pods' entry actors are the session's ends, whichever side dialled, so a
/// second handshake between the same two pods finds the same handle and
/// changes nothing: one session, each event sent once.
struct p2p_session {
  std::string name;
  /// The endpoint the peer advertised in its hello.
  std::string endpoint;
  /// The peer process's start time; a restarted peer has a greater one.
  uint64_t incarnation = 0;
  p2p_entry_actor handle;
  outbound_queue queue;
  /// Whether a batch is on its way; messages queue meanwhile (coalescing).
  bool in_flight = false;
};

/// An endpoint in our peer list, dialled until a session runs through it.
struct p2p_target {
  /// The name of the peer whose session runs through this endpoint.
  std::string peer;
  /// Failed dials since the last session, for the backoff.
  uint32_t attempts = 0;
  /// Bumped whenever a dial is scheduled: stale timers and replies see a
  /// different value and do nothing.
  uint64_t generation = 0;
};

/// The state of a p2p transport actor.
struct p2p_transport_state {
  static inline const char* name = "podshare.p2p_transport";

  /// Logs `x` and hands it to the observer.
  void notify(p2p_notice x) const;

  /// The session whose peer entry actor is `who`, or null.
  p2p_session* session_of(const caf::actor_addr& who);

  /// The session running through `endpoint` (advertised or dialled), or null.
  p2p_session* session_at(const std::string& endpoint);

  /// The next backoff delay for `t`, counting the attempt.
  caf::timespan next_delay(p2p_target& t);

  p2p_config cfg;
  /// The middleman actor that dials and publishes: CAF's plain one or the
  /// `caf::openssl` one.
  caf::io::middleman_actor mm;
  bool tls = false;
  /// `host:port` as peers reach us, once listening.
  std::string self_endpoint;
  uint16_t port = 0;
  uint64_t incarnation = 0;
  std::unordered_map<std::string, std::vector<caf::actor_addr>> subscribers;
  /// Our latest snapshot per topic, with the wall-clock time it was stored.
  std::unordered_map<std::string, std::pair<uint64_t, bytes>> snapshots;
  std::map<std::string, p2p_target> targets;
  std::map<std::string, p2p_session> sessions;
  bool closed = false;
  std::minstd_rand rng;
};

/// The transport actor. Spawn it through `spawn_p2p_transport`, which
/// publishes it and tells it its port.
p2p_transport_actor::behavior_type
p2p_transport(p2p_transport_actor::stateful_pointer<p2p_transport_state> self,
              p2p_config cfg, caf::io::middleman_actor mm, bool tls);

/// A running p2p transport: its actor, the port it listens on and its name.
struct p2p_handle {
  p2p_transport_actor actor;
  uint16_t port = 0;
  std::string name;
  /// `host:port` as peers reach this pod (the advertised endpoint).
  std::string endpoint;

  /// The transport as stores see it.
  transport_actor transport() const;
};

/// Starts a p2p transport on an actor system prepared with `configure_p2p`:
/// checks the configuration and any TLS material, spawns the transport,
/// publishes it on `cfg.host:cfg.port` (blocking, on the caller's thread)
/// and starts dialling `cfg.peers`. Fails with `invalid_argument` for bad
/// endpoints or TLS material and with CAF's error when the port cannot be
/// bound. Close it with `close` before the actor system goes away.
caf::expected<p2p_handle> spawn_p2p_transport(caf::actor_system& sys,
                                              p2p_config cfg);

} // namespace podshare::net
