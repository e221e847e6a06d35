#pragma once

#include "podshare/ingest_budget.hpp"

#include <caf/meta/type_name.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace podshare {

/// One peer of a transport as its status reports it (p2p).
struct peer_status {
  /// The peer's stable node name.
  std::string name;
  /// The endpoint we dial, or the one it advertised.
  std::string endpoint;
  /// With TLS, its certificate's CN and subject alternative names.
  std::string identity;
  bool connected = false;
  /// Published messages received from and sent to it in this session, and
  /// their payload bytes; `relayed_out` of them sent for other origins.
  uint64_t messages_in = 0;
  uint64_t messages_out = 0;
  uint64_t bytes_in = 0;
  uint64_t bytes_out = 0;
  uint64_t relayed_out = 0;
  /// Messages held for it: queued, or sent and not acknowledged.
  uint64_t queued = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, peer_status& x) {
  return f(caf::meta::type_name("peer_status"), x.name, x.endpoint, x.identity,
           x.connected, x.messages_in, x.messages_out, x.bytes_in, x.bytes_out,
           x.relayed_out, x.queued);
}

/// What a transport tells about itself: the answer to `stats()` of a
/// `transport_status_actor` (metrics, health checks).
struct transport_status {
  /// "memory", "redis" or "p2p".
  std::string kind;
  /// Whether it can replicate now: connected to Redis; for p2p, a session
  /// with a peer, or no peer configured at all.
  bool ready = false;
  /// Why not, or "connected", in a few words.
  std::string state;
  /// Connections (p2p: sessions) established again after one was lost.
  uint64_t reconnects = 0;
  /// Publishes the transport could not take.
  uint64_t publish_failures = 0;
  /// Peers dropped because they could not keep up (p2p).
  uint64_t peers_dropped = 0;
  /// Snapshot fetches answered, and the time they took in all (ns).
  uint64_t snapshot_fetches = 0;
  uint64_t snapshot_fetch_ns = 0;
  /// Per peer (p2p); empty for other transports.
  std::vector<peer_status> peers;
  /// What was received and not yet handled (budget 0: not bounded).
  ingest_status ingest;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, transport_status& x) {
  return f(caf::meta::type_name("transport_status"), x.kind, x.ready, x.state,
           x.reconnects, x.publish_failures, x.peers_dropped,
           x.snapshot_fetches, x.snapshot_fetch_ns, x.peers, x.ingest);
}

} // namespace podshare
