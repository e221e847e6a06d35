#include "podshare/net/p2p/transport_ops.hpp"

#include "podshare/error.hpp"
#include "podshare/net/p2p/endpoint.hpp"

namespace podshare::net::p2p {

namespace {

caf::error session_error(std::string what) {
  return caf::make_error(ec::transport_closed, std::move(what));
}

// Moves `s` onto `c`: what was sent on its old connection and not
// acknowledged goes out again first (the peer drops what it already had).
void attach(self_pointer self, peer_session& s, connection& c) {
  auto& h = *c.peer;
  s.conn = c.hdl;
  s.detached = false;
  s.endpoint = h.endpoint;
  s.identity = c.tls ? c.tls->peer_identity() : std::string{};
  s.links = h.links;
  s.topics = h.topics;
  s.max_frame = std::max<uint64_t>(h.max_frame, handshake_frame_limit);
  s.window_messages = std::max<uint64_t>(h.window_messages, 1);
  s.window_bytes = std::max<uint64_t>(h.window_bytes, 1);
  s.heartbeat_ms = h.heartbeat_ms;
  for (auto i = s.in_flight.rbegin(); i != s.in_flight.rend(); ++i)
    s.queued.push_front(std::move(i->item));
  s.in_flight.clear();
  s.in_flight_bytes = 0;
  s.sent_messages = 0;
  c.session = s.name;
  pump(self, s);
}

// Starts a session with the peer whose hello arrived on `c`.
void establish(self_pointer self, connection& c) {
  auto& st = self->state;
  auto& h = *c.peer;
  auto& s = st.sessions[h.name];
  s.name = h.name;
  s.incarnation = h.incarnation;
  attach(self, s, c);
  for (auto& [endpoint, t] : st.targets) {
    if (endpoint == h.endpoint || (c.dialled && endpoint == c.endpoint)) {
      t.peer = h.name;
      t.attempts = 0;
      t.dialling = false;
      ++t.generation; // cancels a pending dial
    }
  }
  if (!st.ever_connected.insert(h.name).second)
    ++st.counted.reconnects;
  st.notify(
    {p2p_notice::kind::connected, h.name, h.endpoint, caf::none, s.identity});
  announce_links(self);
  // Messages published while there was no session are lost: every store
  // refreshes, now and once more after the peer's next snapshot.
  st.subscribers.resync_all(self);
  if (st.cfg.resync_again.count() > 0)
    later(self, st.cfg.resync_again, resync_all_atom::value);
}

// The other connection with the same peer and incarnation, if its hello
// arrived: where a session goes when the peer closes a duplicate.
connection* spare_for(self_pointer self, const peer_session& s,
                      connection_handle except) {
  for (auto& [hdl, c] : self->state.connections)
    if (hdl != except && !c.closing && c.peer && c.peer->name == s.name
        && c.peer->incarnation == s.incarnation)
      return &c;
  return nullptr;
}

} // namespace

// -- handshakes ---------------------------------------------------------------

void on_hello(self_pointer self, connection& c, hello x) {
  auto& st = self->state;
  if (st.closed) {
    refuse(self, c, end_code::closing, "the pod is closing");
    return;
  }
  if (x.name.empty()) {
    refuse(self, c, end_code::name_or_duplicate, "an empty node name");
    return;
  }
  if (x.name == st.cfg.name) {
    if (c.dialled) {
      // Our own address, e.g. from DNS: leave it out.
      st.notify(
        {p2p_notice::kind::dial_failed,
         {},
         c.endpoint,
         caf::make_error(ec::invalid_argument, "endpoint is this pod")});
      st.targets.erase(c.endpoint);
      say_bye(self, c, end_code::version_or_closing, "this is us");
      return;
    }
    refuse(self, c, end_code::name_or_duplicate,
           "the peer calls itself '" + x.name + "' as we do");
    return;
  }
  if (c.dialled && st.targets.count(c.endpoint) == 0) {
    // Removed while this dial ran.
    say_bye(self, c, end_code::version_or_closing, "peer removed");
    return;
  }
  auto existing = st.sessions.find(x.name);
  if (existing != st.sessions.end()
      && x.incarnation < existing->second.incarnation) {
    refuse(self, c, end_code::name_or_duplicate,
           "a second pod calls itself '" + x.name + "'");
    return;
  }
  c.reader.limit(st.cfg.max_frame);
  c.peer = std::move(x);
  if (existing == st.sessions.end()) {
    establish(self, c);
    return;
  }
  auto& s = existing->second;
  if (c.peer->incarnation > s.incarnation) {
    close_session(self, s.name, session_error("replaced by a restarted peer"),
                  true);
    establish(self, c);
    return;
  }
  // The same pod over a second connection: both dialled at once.
  if (s.detached) {
    attach(self, s, c);
    return;
  }
  // The pod whose name sorts lower decides: it keeps the connection it
  // had and ends the other; the other pod keeps this one as a spare until
  // then (on_bye).
  if (st.cfg.name < s.name)
    say_bye(self, c, end_code::name_or_duplicate, "duplicate connection");
}

void on_bye(self_pointer self, connection& c, const ending& x) {
  auto& st = self->state;
  auto s = st.session_on(c.hdl);
  if (s != nullptr
      && x.code == static_cast<uint64_t>(end_code::name_or_duplicate)) {
    // The peer ended this connection as a duplicate: the session moves to
    // the other one, now or when its hello arrives.
    c.session.clear();
    s->conn = connection_handle{};
    if (auto spare = spare_for(self, *s, c.hdl)) {
      attach(self, *s, *spare);
    } else {
      s->detached = true;
      s->detached_since = self->clock().now();
      for (auto i = s->in_flight.rbegin(); i != s->in_flight.rend(); ++i)
        s->queued.push_front(std::move(i->item));
      s->in_flight.clear();
      s->in_flight_bytes = 0;
    }
    end_connection(self, c, caf::error{});
    return;
  }
  end_connection(self, c,
                 session_error("the peer ended the session: " + x.reason));
}

// -- sessions -----------------------------------------------------------------

void close_session(self_pointer self, const std::string& name,
                   caf::error reason, bool bye) {
  auto& st = self->state;
  auto i = st.sessions.find(name);
  if (i == st.sessions.end())
    return;
  auto conn = i->second.conn;
  auto endpoint = i->second.endpoint;
  st.sessions.erase(i);
  if (auto c = st.connections.find(conn); c != st.connections.end()) {
    c->second.session.clear();
    if (bye)
      say_bye(self, c->second, end_code::version_or_closing, reason_of(reason));
    else
      end_connection(self, c->second, caf::error{});
  }
  forget_answers_of(self, name);
  if (!st.syncs.empty())
    check_syncs(self);
  st.notify(
    {p2p_notice::kind::disconnected, name, endpoint, std::move(reason)});
  if (st.closed)
    return;
  announce_links(self);
  // In a partial mesh the other peers may have relayed what this one had
  // not yet: refresh from them.
  if (!st.sessions.empty()) {
    st.subscribers.resync_all(self);
    if (st.cfg.resync_again.count() > 0)
      later(self, st.cfg.resync_again, resync_all_atom::value);
  }
}

void drop_session(self_pointer self, const std::string& name,
                  caf::error reason) {
  close_session(self, name, std::move(reason), true);
  retry_targets_of(self, name);
}

void write_to_sessions(self_pointer self, const bytes& frames) {
  auto& st = self->state;
  for (auto& [name, s] : st.sessions)
    if (auto c = st.connections.find(s.conn); c != st.connections.end())
      write(self, c->second, frames);
}

void announce_links(self_pointer self) {
  auto& out = self->state.frames;
  out.clear();
  write_links(out, self->state.links());
  write_to_sessions(self, out);
}

// -- dialling -----------------------------------------------------------------

void schedule_dial(self_pointer self, const std::string& endpoint,
                   dial_target& t, caf::timespan delay) {
  auto generation = ++t.generation;
  t.dialling = false;
  if (delay.count() == 0)
    send_self(self, dial_atom::value, endpoint, generation);
  else
    later(self, delay, dial_atom::value, endpoint, generation);
}

// When both pods list each other, the one with the smaller endpoint dials at
// once and the other waits a grace period, by which time the first one's
// session usually exists and it need not dial at all.
void first_dial(self_pointer self, const std::string& endpoint,
                dial_target& t) {
  auto& st = self->state;
  auto delay
    = st.self_endpoint < endpoint ? caf::timespan{0} : st.cfg.dial_grace;
  schedule_dial(self, endpoint, t, delay);
}

void retry_targets_of(self_pointer self, const std::string& peer) {
  auto& st = self->state;
  if (st.closed)
    return;
  for (auto& [endpoint, t] : st.targets) {
    if (t.peer != peer)
      continue;
    t.peer.clear();
    schedule_dial(self, endpoint, t, st.next_delay(t));
  }
}

void dial(self_pointer self, const std::string& endpoint, uint64_t generation) {
  auto& st = self->state;
  auto i = st.targets.find(endpoint);
  if (st.closed || i == st.targets.end() || i->second.generation != generation)
    return;
  if (auto s = st.session_at(endpoint)) {
    i->second.peer = s->name;
    return;
  }
  auto where = parse_endpoint(endpoint);
  if (!where)
    return; // checked when added
  i->second.dialling = true;
  auto tag = st.next_dial_tag++;
  st.dials.emplace(tag, std::make_pair(endpoint, generation));
  connect_async(self->system(), caf::actor_cast<connect_listener>(self), "peer",
                where->host, where->port, st.cfg.connect_timeout, tag);
}

void dial_failed(self_pointer self, const std::string& endpoint,
                 uint64_t generation, caf::error err) {
  auto& st = self->state;
  auto i = st.targets.find(endpoint);
  if (st.closed || i == st.targets.end() || i->second.generation != generation)
    return;
  st.notify({p2p_notice::kind::dial_failed, {}, endpoint, std::move(err)});
  schedule_dial(self, endpoint, i->second, st.next_delay(i->second));
}

bool on_connected(self_pointer self, uint64_t tag, int fd) {
  auto& st = self->state;
  auto i = st.dials.find(tag);
  if (i == st.dials.end())
    return false;
  auto [endpoint, generation] = std::move(i->second);
  st.dials.erase(i);
  auto t = st.targets.find(endpoint);
  if (st.closed || t == st.targets.end() || t->second.generation != generation)
    return false; // removed or rescheduled meanwhile
  open_connection(self, self->add_scribe(fd), true, std::move(endpoint),
                  generation);
  return true;
}

void on_connect_failed(self_pointer self, uint64_t tag, caf::error err) {
  auto& st = self->state;
  auto i = st.dials.find(tag);
  if (i == st.dials.end())
    return;
  auto [endpoint, generation] = std::move(i->second);
  st.dials.erase(i);
  dial_failed(self, endpoint, generation, std::move(err));
}

} // namespace podshare::net::p2p
