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

using get_store_atom = caf::atom_constant<caf::atom("get_store")>;
using add_peer_atom = caf::atom_constant<caf::atom("add_peer")>;
using remove_peer_atom = caf::atom_constant<caf::atom("rm_peer")>;
using sync_peers_atom = caf::atom_constant<caf::atom("sync_peers")>;
using peers_atom = caf::atom_constant<caf::atom("peers")>;

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
  /// With TLS, the peer certificate's subject CN and alternative names.
  std::string identity = {};
  /// Published messages received from and sent to the peer in this
  /// session, and their payload bytes.
  uint64_t messages_in = 0;
  uint64_t messages_out = 0;
  uint64_t bytes_in = 0;
  uint64_t bytes_out = 0;
  /// Of `messages_out`, those relayed for another origin.
  uint64_t relayed_out = 0;
  /// Messages held for the peer: queued, and sent but unacknowledged.
  uint64_t queued = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, p2p_peer& x) {
  return f(caf::meta::type_name("p2p_peer"), x.endpoint, x.name, x.connected,
           x.configured, x.identity, x.messages_in, x.messages_out, x.bytes_in,
           x.bytes_out, x.relayed_out, x.queued);
}

// -- remote clients -----------------------------------------------------------

/// What a pod publishes on its client port (`p2p_config::client_port`) for
/// CAF programs that want typed store handles. Peers never use it.
///
/// ~~~
/// get_store(topic) -> store         // a typed handle to a local store
/// ~~~
using p2p_entry_actor = caf::typed_actor<
  // Returns the store of a topic on this pod.
  caf::replies_to<get_store_atom, std::string>::with<store_actor>>;

// -- transport ----------------------------------------------------------------

/// The p2p transport: the transport interface, plus the peer management of
/// spec §11 and the store lookup its client port serves.
///
/// ~~~
/// add_peer(endpoint) -> ok        // "host:port"; dial and keep dialling
/// remove_peer(endpoint) -> ok     // stop dialling, close the session
/// sync_peers(endpoints) -> ok     // reconcile the whole set (idempotent)
/// peers() -> peers
/// get_store(topic) -> store
/// stats() -> status               // transport_status, with every peer
/// inbox(topic, payload) -> reached  // only to the peers subscribed to it
/// ~~~
using p2p_transport_actor = transport_actor::extend_with<p2p_entry_actor>::
  extend_with<transport_status_actor>::extend_with<
    transport_sync_actor>::extend_with<transport_inbox_actor>::
    extend_with<transport_snapshot_probe_actor>::extend<
      // Adds an endpoint to the peer list.
      caf::replies_to<add_peer_atom, std::string>::with<ok_atom>,
      // Removes an endpoint from the peer list and closes its session.
      caf::replies_to<remove_peer_atom, std::string>::with<ok_atom>,
      // Makes the peer list equal to the given set.
      caf::replies_to<sync_peers_atom, std::vector<std::string>>::with<ok_atom>,
      // Lists configured endpoints and live sessions.
      caf::replies_to<peers_atom>::with<std::vector<p2p_peer>>>;

} // namespace podshare::net
