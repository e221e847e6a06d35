#pragma once

// The broker's operations, shared by its source files:
//   connections.cpp  accepting, reading and writing frames, closing;
//   sessions.cpp     handshakes, sessions and dialling;
//   flow.cpp         publishing, queues, flow control and relaying;
//   snapshots.cpp    storing and fetching snapshots;
//   peer_list.cpp    the peer list;
//   ingest.cpp       reading only as fast as the stores apply;
//   transport.cpp    the behavior, heartbeats and closing.
// Internal: not installed for users.

#include "podshare/net/p2p/transport.hpp"

#include <caf/actor_cast.hpp>
#include <caf/expected.hpp>
#include <caf/io/network/multiplexer.hpp>
#include <caf/message.hpp>
#include <caf/send.hpp>
#include <caf/result.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace podshare::net::p2p {

using self_pointer = broker_impl*;

/// Nanoseconds since the Unix epoch on the system clock.
uint64_t now_ns();

/// The error of every call after `close`.
caf::error closed_error();

/// Sends the broker `xs` from the multiplexer's next cycle. CAF 0.17 leaks
/// a scribe, and its socket, that is started and closed in one cycle, so
/// closing a connection, and quitting (which closes them all), waits a
/// cycle.
template <class... Ts>
void next_cycle(self_pointer self, Ts... xs) {
  auto me = self->address(); // weak: a closure never run keeps nothing alive
  self->backend().post([me, xs...] {
    if (auto broker = caf::actor_cast<caf::actor>(me))
      caf::anon_send(broker, xs...);
  });
}

/// Sends the broker `xs` now, with no sender. In CAF 0.17 a message that
/// names the broker as its sender and is still queued when it exits keeps
/// the broker from ever being freed (LeakSanitizer, `net.p2p_link`).
template <class... Ts>
void send_self(self_pointer self, Ts&&... xs) {
  caf::anon_send(caf::actor_cast<caf::actor>(self), std::forward<Ts>(xs)...);
}

/// Sends the broker `xs` after `delay`, through its timer actor. In CAF 0.17
/// a message a broker schedules for itself that arrives after it exited
/// keeps the broker from ever being freed (LeakSanitizer, `net.p2p_link`);
/// from another actor it does not.
template <class... Ts>
void later(self_pointer self, caf::timespan delay, Ts&&... xs) {
  caf::anon_send(self->state.timer, later_atom::value, delay,
                 caf::make_message(std::forward<Ts>(xs)...));
}

// -- connections (connections.cpp) --------------------------------------------

/// Starts speaking the protocol on a new connection: the preamble and our
/// hello (under TLS once the handshake is done; the client starts it).
void open_connection(self_pointer self, connection_handle hdl, bool dialled,
                     std::string endpoint, uint64_t generation);

/// Handles bytes from a peer.
void on_data(self_pointer self, caf::io::new_data_msg& msg);

/// Handles the end of a connection that the peer or the network closed.
void on_closed(self_pointer self, connection_handle hdl);

/// Writes the frames in `frames` (plaintext) to `c`, through TLS if on.
void write(self_pointer self, connection& c, const bytes& frames);

/// Hands what was written to `c` to the socket once the messages queued now
/// are handled: a burst of publishes leaves in one write per connection.
void flush_soon(self_pointer self, connection& c);

/// Flushes every connection written to since the last flush.
void flush_all(self_pointer self);

/// Ends `c` for `why`: reports it, ends its session if it carries one, and
/// closes it once what is queued is written. `why` null: silently.
void end_connection(self_pointer self, connection& c, caf::error why);

/// Refuses `c` with a `refuse` frame and ends it.
void refuse(self_pointer self, connection& c, end_code code,
            const std::string& reason);

// -- the ingest budget (ingest.cpp) -------------------------------------------

/// Lets `c` read once more if the ingest budget has room; else it waits
/// until the stores hand half of it back.
void read_on(self_pointer self, connection& c);

/// Lets every waiting connection read again; the time paused does not
/// count towards a peer's silence or handshake deadline.
void resume_reading(self_pointer self);

/// Says `bye` on `c` and closes it without reporting anything.
void say_bye(self_pointer self, connection& c, end_code code,
             const std::string& reason);

/// Sends an `ack` on `c` for data received since the last one.
void acknowledge(self_pointer self, connection& c);

// -- sessions and dialling (sessions.cpp) -------------------------------------

/// Handles a peer's hello on `c`: a new session, a restarted peer, a
/// duplicate connection or a refusal.
void on_hello(self_pointer self, connection& c, hello x);

/// Handles a peer's bye on `c`.
void on_bye(self_pointer self, connection& c, const ending& x);

/// Ends the session with `name` for `reason`, saying bye if asked to.
void close_session(self_pointer self, const std::string& name,
                   caf::error reason, bool say_bye);

/// Ends the session with `name` (saying bye) and redials its endpoints.
void drop_session(self_pointer self, const std::string& name,
                  caf::error reason);

/// Writes `frames` to the connection of every session.
void write_to_sessions(self_pointer self, const bytes& frames);

/// Tells every session our current links.
void announce_links(self_pointer self);

/// Dials `endpoint` after `delay` (at once for zero), cancelling any dial
/// scheduled before.
void schedule_dial(self_pointer self, const std::string& endpoint,
                   dial_target& t, caf::timespan delay);

/// Schedules the first dial of a new endpoint (see `dial_grace`).
void first_dial(self_pointer self, const std::string& endpoint, dial_target& t);

/// Redials, with backoff, every endpoint whose session was with `peer`.
void retry_targets_of(self_pointer self, const std::string& peer);

/// Runs a scheduled dial if `generation` is still current.
void dial(self_pointer self, const std::string& endpoint, uint64_t generation);

/// A dial of `endpoint` failed: reports it and redials with backoff.
void dial_failed(self_pointer self, const std::string& endpoint,
                 uint64_t generation, caf::error err);

/// `connect_async` connected: adopts the socket of a current dial; false
/// for a stale one, which the connector then closes.
bool on_connected(self_pointer self, uint64_t tag, int fd);

/// `connect_async` failed.
void on_connect_failed(self_pointer self, uint64_t tag, caf::error err);

// -- publishing, flow control and relaying (flow.cpp) -------------------------

/// Fans a local store's message out to the other local stores and to every
/// peer.
caf::result<ok_atom> publish(self_pointer self, const std::string& topic,
                             bytes payload);

/// Holds `item` for `s`; false when `s` already holds `max_queue` items.
bool enqueue(self_pointer self, peer_session& s, outbound_item item);

/// Sends what `s` holds as far as its window allows.
void pump(self_pointer self, peer_session& s);

/// Drops the sessions in `names` as too slow.
void drop_too_slow(self_pointer self, const std::vector<std::string>& names);

/// Takes a peer's acknowledgement on `c`.
void on_ack(self_pointer self, connection& c, const acknowledgement& x);

// -- sync (sync.cpp) ----------------------------------------------------------

/// Answers once every session acknowledged what was queued for it before
/// (a session that ends meanwhile is not waited for), provided at least
/// one did; with no session and no peer configured, at once.
caf::result<ok_atom> sync(self_pointer self);

/// Answers the syncs that acknowledgements or ended sessions completed.
void check_syncs(self_pointer self);

/// Fails every waiting sync (the transport closes).
void fail_syncs(self_pointer self, const caf::error& reason);

/// Delivers a batch from `c` to local stores and relays it.
void on_batch(self_pointer self, connection& c, const uint8_t* body,
              size_t size);

// -- inboxes: messages for one pod (inbox.cpp) --------------------------------

/// Delivers `payload` to the local subscribers of `topic` and, in a
/// `direct` frame, to each peer whose stores subscribe to it; never relayed.
/// Answers how many subscribers (local) and peers it reached.
caf::result<uint64_t> inbox(self_pointer self, const std::string& topic,
                            const bytes& payload);

/// Delivers a `direct` frame from `c` to local stores.
void on_direct(self_pointer self, connection& c, const uint8_t* body,
               size_t size);

/// Tells every session the topics our stores subscribe to, when they changed.
void announce_topics(self_pointer self);

// -- snapshots (snapshots.cpp) ------------------------------------------------

caf::result<ok_atom> store_snap(self_pointer self, const std::string& topic,
                                bytes payload);

caf::result<bytes> fetch_snap(self_pointer self, const std::string& topic);

/// Answers a peer's snapshot request.
void on_snap_req(self_pointer self, connection& c, const snapshot_request& x);

/// Takes a piece of a peer's snapshot answer.
void on_snap_part(self_pointer self, connection& c, const part_view& x);

/// Answers fetch `id` with what arrived.
void finish_fetch(self_pointer self, uint64_t id);

/// Stops waiting for `peer`'s answers.
void forget_answers_of(self_pointer self, const std::string& peer);

// -- peer list (peer_list.cpp) ------------------------------------------------

/// Parses and re-formats an endpoint, so that equal endpoints compare equal.
caf::expected<std::string> normalize(const std::string& text);

void add_target(self_pointer self, const std::string& endpoint);

void remove_target(self_pointer self, const std::string& endpoint);

caf::result<ok_atom> sync_peers(self_pointer self,
                                const std::vector<std::string>& endpoints);

std::vector<p2p_peer> list_peers(self_pointer self);

} // namespace podshare::net::p2p
