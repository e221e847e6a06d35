#pragma once

#include "podshare/bytes.hpp"
#include "podshare/interfaces.hpp"

#include <caf/atom.hpp>
#include <caf/meta/type_name.hpp>
#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>

#include <cstdint>
#include <string>
#include <vector>

/// The typed interfaces of the p2p transport. They live beside the transport
/// rather than in `podshare/interfaces.hpp` because only the p2p transport
/// and its remote clients speak them.
namespace podshare::net {

// -- atoms (at most 10 characters) --------------------------------------------

using hello_atom = caf::atom_constant<caf::atom("p2p_hello")>;
using batch_atom = caf::atom_constant<caf::atom("p2p_batch")>;
using peer_snap_atom = caf::atom_constant<caf::atom("peer_snap")>;
using bye_atom = caf::atom_constant<caf::atom("p2p_bye")>;
using get_store_atom = caf::atom_constant<caf::atom("get_store")>;
using add_peer_atom = caf::atom_constant<caf::atom("add_peer")>;
using remove_peer_atom = caf::atom_constant<caf::atom("rm_peer")>;
using sync_peers_atom = caf::atom_constant<caf::atom("sync_peers")>;
using peers_atom = caf::atom_constant<caf::atom("peers")>;
using listen_atom = caf::atom_constant<caf::atom("listen")>;
using dial_atom = caf::atom_constant<caf::atom("dial")>;
using resync_all_atom = caf::atom_constant<caf::atom("resync_all")>;

/// One published message as it travels between pods inside a batch.
struct p2p_message {
  std::string topic;
  bytes payload;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, p2p_message& x) {
  return f(caf::meta::type_name("p2p_message"), x.topic, x.payload);
}

/// A peer as `peers()` lists it: a configured endpoint, a connected node, or
/// both.
struct p2p_peer {
  /// The `host:port` we dial, or the one the peer advertised.
  std::string endpoint;
  /// The peer's stable node name; empty until a session was established.
  std::string name;
  /// Whether a session is live.
  bool connected = false;
  /// Whether the endpoint is in our own peer list (not just dialled us).
  bool configured = false;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, p2p_peer& x) {
  return f(caf::meta::type_name("p2p_peer"), x.endpoint, x.name, x.connected,
           x.configured);
}

// -- entry --------------------------------------------------------------------

/// What a pod publishes on its port: the one entry actor per process that
/// peers and remote clients talk to (CAF 0.17 misbehaves with a second TLS
/// connection between two nodes, so nothing else is published).
///
/// ~~~
/// hello(name, endpoint, incarnation) -> (name, endpoint, incarnation)
///                                   // opens a session; the sender is the
///                                   // peer's entry actor
/// batch(messages) -> ok             // events of one session, in order
/// peer_snap(topic) -> (stored_at, payload)   // our latest snapshot
/// bye(name)                         // the peer closed the session
/// get_store(topic) -> store         // a typed handle for remote clients
/// ~~~
using p2p_entry_actor = caf::typed_actor<
  // Opens a session with the sender.
  caf::replies_to<hello_atom, std::string, std::string,
                  uint64_t>::with<std::string, std::string, uint64_t>,
  // Delivers a batch of published messages to local subscribers.
  caf::replies_to<batch_atom, std::vector<p2p_message>>::with<ok_atom>,
  // Answers the latest snapshot of a topic stored here (0 and empty: none).
  caf::replies_to<peer_snap_atom, std::string>::with<uint64_t, bytes>,
  // Ends the sender's session.
  caf::reacts_to<bye_atom, std::string>,
  // Returns the store of a topic on this pod.
  caf::replies_to<get_store_atom, std::string>::with<store_actor>>;

// -- transport ----------------------------------------------------------------

/// The p2p transport: the transport interface, the entry interface and the
/// peer management of spec §11.
///
/// ~~~
/// add_peer(endpoint) -> ok        // "host:port"; dial and keep dialling
/// remove_peer(endpoint) -> ok     // stop dialling, close the session
/// sync_peers(endpoints) -> ok     // reconcile the whole set (idempotent)
/// peers() -> peers
/// listen(port)                    // from the spawner: we are published
/// dial(endpoint, generation)      // its own backoff timer
/// resync_all()                    // its own timer: resync every store
/// ~~~
using p2p_transport_actor
  = p2p_entry_actor::extend_with<transport_actor>::extend<
    // Adds an endpoint to the peer list.
    caf::replies_to<add_peer_atom, std::string>::with<ok_atom>,
    // Removes an endpoint from the peer list and closes its session.
    caf::replies_to<remove_peer_atom, std::string>::with<ok_atom>,
    // Makes the peer list equal to the given set.
    caf::replies_to<sync_peers_atom, std::vector<std::string>>::with<ok_atom>,
    // Lists configured endpoints and live sessions.
    caf::replies_to<peers_atom>::with<std::vector<p2p_peer>>,
    // The transport is published on this port: start dialling.
    caf::reacts_to<listen_atom, uint16_t>,
    // Dials an endpoint if the generation is still current.
    caf::reacts_to<dial_atom, std::string, uint64_t>,
    // Tells every local store to refresh.
    caf::reacts_to<resync_all_atom>>;

} // namespace podshare::net
