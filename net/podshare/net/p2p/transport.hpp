#pragma once

#include "podshare/net/p2p/config.hpp"
#include "podshare/net/p2p/frame.hpp"
#include "podshare/net/p2p/interfaces.hpp"
#include "podshare/net/p2p/seen_messages.hpp"
#include "podshare/net/p2p/tls_session.hpp"
#include "podshare/net/subscriber_table.hpp"
#include "podshare/net/tcp_connect.hpp"

#include <caf/actor_clock.hpp>
#include <caf/io/accept_handle.hpp>
#include <caf/io/connection_handle.hpp>
#include <caf/io/system_messages.hpp>
#include <caf/io/typed_broker.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/typed_response_promise.hpp>

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

/// The p2p transport's broker: one per pod, on CAF's multiplexer thread, it
/// owns every connection to a peer and speaks the link protocol of
/// docs/protocol.md itself (TLS included). Internal: users include
/// `podshare/net/p2p/spawn.hpp`.
namespace podshare::net::p2p {

// -- atoms (at most 10 characters) --------------------------------------------

using listen_atom = caf::atom_constant<caf::atom("p2p_listen")>;
using dial_atom = caf::atom_constant<caf::atom("p2p_dial")>;
using resync_all_atom = caf::atom_constant<caf::atom("resync_all")>;
using fetch_done_atom = caf::atom_constant<caf::atom("p2p_fetchd")>;
using close_conn_atom = caf::atom_constant<caf::atom("p2p_close")>;
using join_atom = caf::atom_constant<caf::atom("p2p_join")>;
using later_atom = caf::atom_constant<caf::atom("p2p_later")>;
using quit_atom = caf::atom_constant<caf::atom("p2p_quit")>;
using room_atom = caf::atom_constant<caf::atom("p2p_room")>;
using grant_atom = caf::atom_constant<caf::atom("p2p_grant")>;

using time_point = caf::actor_clock::time_point;
using connection_handle = caf::io::connection_handle;

/// Joins snapshots off the broker's thread (`join_snapshots`).
using joiner_actor = caf::typed_actor<
  caf::replies_to<join_atom, std::vector<bytes>>::with<bytes>>;

/// The broker: the transport interface, the broker's own I/O events, the
/// results of `connect_async` and its own timers.
using broker_actor = p2p_transport_actor::extend<
  // A peer sent bytes.
  caf::reacts_to<caf::io::new_data_msg>,
  // A peer dialled us.
  caf::reacts_to<caf::io::new_connection_msg>,
  // A connection ended.
  caf::reacts_to<caf::io::connection_closed_msg>,
  // A connection used its read token (the ingest budget).
  caf::reacts_to<caf::io::connection_passivated_msg>,
  // The listening socket ended.
  caf::reacts_to<caf::io::acceptor_closed_msg>,
  // Binds host:port (0 picks one) and starts dialling: from the spawner.
  caf::replies_to<listen_atom, std::string, uint16_t>::with<uint16_t>,
  // Dials an endpoint if the generation is still current: its own timer.
  caf::reacts_to<dial_atom, std::string, uint64_t>,
  // Heartbeats, handshake and acknowledgement deadlines: its own timer.
  caf::reacts_to<tick_atom>,
  // A snapshot fetch ran out of time: its own timer.
  caf::reacts_to<fetch_done_atom, uint64_t>,
  // Tells every local store to refresh: its own timer.
  caf::reacts_to<resync_all_atom>,
  // Closes a connection a multiplexer cycle after it was asked to.
  caf::reacts_to<close_conn_atom, connection_handle>,
  // Exits a multiplexer cycle after `close`.
  caf::reacts_to<quit_atom>,
  // The stores handed back half the ingest budget: read again.
  caf::reacts_to<room_atom>,
  // A read token for a connection, a multiplexer cycle after it was due.
  caf::reacts_to<grant_atom, connection_handle>,
  // Hands what the messages before it wrote to the sockets.
  caf::reacts_to<flush_atom>>::extend_with<connect_listener>;

// -- what travels to peers ----------------------------------------------------

/// A published message on its way to peers, shared by every queue it is in.
struct outgoing_message {
  std::string topic;
  std::string origin;
  uint64_t incarnation = 0;
  uint64_t seq = 0;
  bytes payload;
};

/// The latest snapshot of a topic stored here, with when it was stored.
struct stored_snapshot {
  uint64_t stored_at = 0;
  bytes data;
};

/// One item held for a peer: a message, or a piece of a snapshot answer
/// (`size` bytes of `snapshot` at `offset` for request `request`).
struct outbound_item {
  std::shared_ptr<const outgoing_message> message;
  std::shared_ptr<const stored_snapshot> snapshot;
  uint64_t request = 0;
  uint64_t offset = 0;
  uint64_t size = 0;

  /// The payload bytes it counts against the peer's window.
  uint64_t payload_size() const noexcept {
    return message ? message->payload.size() : size;
  }
};

/// An item sent and not yet acknowledged.
struct in_flight_item {
  outbound_item item;
  /// The connection's data messages sent up to and including this one.
  uint64_t sent_messages = 0;
  time_point sent_at;
};

// -- connections and sessions -------------------------------------------------

/// A TCP connection to a peer, from accept or dial to close.
struct connection {
  connection_handle hdl;
  /// The endpoint dialled, or the peer's address when it dialled us.
  std::string endpoint;
  bool dialled = false;
  /// The dial generation of the target (dialled connections).
  uint64_t generation = 0;
  std::unique_ptr<tls_session> tls;
  /// The peer's preamble, until it is complete.
  bytes preamble;
  bool preamble_done = false;
  frame_reader reader;
  /// The peer's hello, once it arrived.
  std::optional<hello> peer;
  /// The name of the session this connection carries; empty if none.
  std::string session;
  /// Whether any bytes arrived yet.
  bool heard = false;
  /// Whether bytes wait in the write buffer for `flush_all`.
  bool unflushed = false;
  time_point opened;
  time_point last_received;
  time_point last_sent;
  /// Data received (cumulative) and what we acknowledged of it.
  uint64_t received_messages = 0;
  uint64_t received_bytes = 0;
  uint64_t acked_messages = 0;
  /// Why it ends, reported when it closed.
  caf::error failure;
  bool closing = false;
  /// Out of read tokens while the ingest budget was spent: it reads again
  /// once the stores caught up.
  bool waiting_for_room = false;
};

/// A session with one peer pod, keyed by the peer's name.
struct peer_session {
  std::string name;
  std::string endpoint;
  std::string identity;
  uint64_t incarnation = 0;
  std::vector<std::string> links;
  std::vector<std::string> topics;
  /// The connection carrying it; invalid while it waits for the other
  /// connection after a duplicate was closed (`detached`).
  connection_handle conn;
  bool detached = false;
  time_point detached_since;
  /// What the peer accepts (its hello).
  uint64_t max_frame = handshake_frame_limit;
  uint64_t window_messages = 1;
  uint64_t window_bytes = 1;
  uint64_t heartbeat_ms = 0;
  /// Held for the peer: not yet sent, and sent but unacknowledged.
  std::deque<outbound_item> queued;
  std::deque<in_flight_item> in_flight;
  uint64_t in_flight_bytes = 0;
  /// Data messages sent on the current connection (cumulative).
  uint64_t sent_messages = 0;
  /// Published messages ever queued for the peer (snapshot answers, sent
  /// in pieces, are not counted), and of those, acknowledged: a `sync`
  /// waits until the second reaches what the first was.
  uint64_t enqueued = 0;
  uint64_t acknowledged = 0;
  /// Counters, for `peers()` and metrics.
  uint64_t messages_in = 0;
  uint64_t messages_out = 0;
  uint64_t bytes_in = 0;
  uint64_t bytes_out = 0;
  uint64_t relayed_out = 0;

  /// As `peers()` lists it.
  p2p_peer describe(bool configured) const;
};

/// An endpoint in our peer list, dialled until a session runs through it.
struct dial_target {
  /// The name of the peer whose session runs through this endpoint.
  std::string peer;
  /// Failed dials since the last session, for the backoff.
  uint32_t attempts = 0;
  /// Bumped whenever a dial is scheduled: stale timers and connects see a
  /// different value and do nothing.
  uint64_t generation = 0;
  /// Whether a connect or a handshake of the current generation runs.
  bool dialling = false;
};

/// A `sync` waiting for peers to acknowledge what was queued before it:
/// per session, the `enqueued` count to reach.
struct sync_waiter {
  std::map<std::string, uint64_t> targets;
  /// Whether one of the sessions acknowledged everything it had to.
  bool acknowledged = false;
  caf::typed_response_promise<ok_atom> promise;
};

/// A snapshot fetch waiting for peers' answers.
struct snapshot_fetch {
  std::string topic;
  /// Peers asked and not yet answered, with what arrived of their answer.
  std::map<std::string, bytes> pending;
  std::vector<bytes> answers;
  caf::typed_response_promise<bytes> promise;
  time_point started;
};

// -- the state ----------------------------------------------------------------

struct transport_state {
  static inline const char* name = "podshare.p2p_transport";

  /// Logs `x` and hands it to the observer.
  void notify(p2p_notice x) const;

  /// Where the transport logs: `cfg.logger`, or spdlog's default.
  std::shared_ptr<spdlog::logger> logger() const;

  /// The session running through `endpoint` (advertised or dialled), or null.
  peer_session* session_at(const std::string& endpoint);

  /// The session carried by `hdl`, or null.
  peer_session* session_on(const connection_handle& hdl);

  /// The next backoff delay for `t`, counting the attempt.
  caf::timespan next_delay(dial_target& t);

  /// Our hello, as sent on a new connection.
  hello own_hello() const;

  /// The names of the peers we have sessions with.
  std::vector<std::string> links() const;

  /// What `stats()` answers.
  transport_status status() const;

  p2p_config cfg;
  std::shared_ptr<tls_context> tls;
  /// `host:port` as peers reach us, once listening.
  std::string self_endpoint;
  uint16_t port = 0;
  /// The listening socket.
  caf::io::accept_handle acceptor;
  uint64_t incarnation = 0;
  /// Our published messages so far.
  uint64_t seq = 0;
  subscriber_table subscribers;
  std::unordered_map<std::string, std::shared_ptr<const stored_snapshot>>
    snapshots;
  std::map<std::string, dial_target> targets;
  /// Dials whose connect runs: tag -> (endpoint, generation).
  std::unordered_map<uint64_t, std::pair<std::string, uint64_t>> dials;
  uint64_t next_dial_tag = 1;
  std::map<std::string, peer_session> sessions;
  std::unordered_map<connection_handle, connection> connections;
  seen_messages seen;
  std::unordered_map<uint64_t, snapshot_fetch> fetches;
  std::vector<sync_waiter> syncs;
  uint64_t next_fetch = 1;
  /// Peers that had a session once, and what `status()` counts.
  std::set<std::string> ever_connected;
  transport_status counted;
  joiner_actor joiner;
  /// What peers sent and the stores have not yet handled; while it is
  /// spent, connections get no more read tokens (`reading_paused`).
  std::shared_ptr<ingest_budget> ingest;
  bool reading_paused = false;
  /// Whether a `flush` message is on its way to the broker.
  bool flush_scheduled = false;
  /// Sends the broker its timer messages (`later`).
  caf::actor timer;
  bool closed = false;
  std::minstd_rand rng;
  /// Scratch buffers, kept between uses.
  bytes frames;
  std::vector<message_view> received;
};

/// `caf::io::typed_broker` of a signature list.
template <class List>
struct typed_broker_of;

template <class... Sigs>
struct typed_broker_of<caf::detail::type_list<Sigs...>> {
  using type = caf::io::typed_broker<Sigs...>;
};

using broker_impl
  = caf::stateful_actor<transport_state,
                        typed_broker_of<broker_actor::signatures>::type>;

/// The broker's behavior (`spawn_p2p_transport` starts it).
broker_actor::behavior_type transport(broker_impl* self, p2p_config cfg,
                                      std::shared_ptr<tls_context> tls);

} // namespace podshare::net::p2p
