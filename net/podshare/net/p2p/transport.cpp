#include "podshare/net/p2p/transport.hpp"

#include "podshare/detail/log_event.hpp"
#include "podshare/error.hpp"
#include "podshare/net/backoff.hpp"
#include "podshare/net/p2p/endpoint.hpp"
#include "podshare/net/p2p/transport_ops.hpp"
#include "podshare/snapshot_join.hpp"

#include <caf/actor_cast.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/send.hpp>
#include <caf/typed_event_based_actor.hpp>

#include <spdlog/spdlog.h>

#include <chrono>

namespace podshare::net::p2p {

uint64_t now_ns() {
  return static_cast<uint64_t>(
    std::chrono::duration_cast<std::chrono::nanoseconds>(
      std::chrono::system_clock::now().time_since_epoch())
      .count());
}

caf::error closed_error() {
  return caf::make_error(ec::transport_closed, "p2p transport closed");
}

// -- state --------------------------------------------------------------------

void transport_state::notify(p2p_notice x) const {
  auto level = x.what == p2p_notice::kind::connected
                   || x.what == p2p_notice::kind::disconnected
                 ? detail::log_level::info
                 : detail::log_level::warn;
  std::vector<detail::log_field> fields{
    {"pod", cfg.name}, {"peer", x.peer}, {"endpoint", x.endpoint}};
  if (!x.identity.empty())
    fields.push_back({"identity", x.identity});
  if (x.reason)
    fields.push_back({"reason", reason_of(x.reason)});
  auto event = std::string{"p2p_"} + to_string(x.what);
  detail::log_event(logger(), level, event.c_str(), fields);
  if (cfg.observer)
    cfg.observer(x);
}

std::shared_ptr<spdlog::logger> transport_state::logger() const {
  return cfg.logger ? cfg.logger : spdlog::default_logger();
}

peer_session* transport_state::session_at(const std::string& endpoint) {
  auto t = targets.find(endpoint);
  for (auto& [name, s] : sessions)
    if (s.endpoint == endpoint
        || (t != targets.end() && t->second.peer == name))
      return &s;
  return nullptr;
}

peer_session* transport_state::session_on(const connection_handle& hdl) {
  for (auto& [name, s] : sessions)
    if (!s.detached && s.conn == hdl)
      return &s;
  return nullptr;
}

caf::timespan transport_state::next_delay(dial_target& t) {
  std::uniform_real_distribution<double> unit{0.0, 1.0};
  return backoff_delay(t.attempts++, cfg.backoff_min, cfg.backoff_max,
                       unit(rng));
}

hello transport_state::own_hello() const {
  hello x;
  x.name = cfg.name;
  x.incarnation = incarnation;
  x.endpoint = self_endpoint;
  x.max_frame = cfg.max_frame;
  x.window_messages = cfg.window_messages;
  x.window_bytes = cfg.window_bytes;
  x.heartbeat_ms = static_cast<uint64_t>(
    std::chrono::duration_cast<std::chrono::milliseconds>(
      cfg.heartbeat_interval)
      .count());
  x.topics = subscribers.topics();
  x.links = links();
  return x;
}

std::vector<std::string> transport_state::links() const {
  std::vector<std::string> names;
  for (auto& [name, s] : sessions)
    names.push_back(name);
  return names;
}

transport_status transport_state::status() const {
  auto x = counted;
  x.kind = "p2p";
  x.ingest = ingest->status();
  x.ready = !closed && (!sessions.empty() || targets.empty());
  x.state = closed              ? "closed"
            : !sessions.empty() ? "connected"
            : targets.empty()   ? "no peer configured"
                                : "no peer connected";
  for (auto& [name, s] : sessions)
    x.peers.push_back(peer_status{s.name, s.endpoint, s.identity, true,
                                  s.messages_in, s.messages_out, s.bytes_in,
                                  s.bytes_out, s.relayed_out,
                                  s.queued.size() + s.in_flight.size()});
  for (auto& [endpoint, t] : targets)
    if (t.peer.empty() || sessions.count(t.peer) == 0)
      x.peers.push_back(peer_status{t.peer, endpoint, {}, false});
  return x;
}

namespace {

// -- timers -------------------------------------------------------------------

// Pings idle connections and ends those whose peer went silent, whose
// handshake takes too long or whose data stays unacknowledged.
void check_liveness(self_pointer self) {
  auto& st = self->state;
  auto now = self->clock().now();
  std::vector<std::pair<connection_handle, caf::error>> dead;
  std::vector<std::string> unacknowledged;
  for (auto& [hdl, c] : st.connections) {
    // While we do not read (the ingest budget), a peer's silence and a
    // slow handshake are our own doing; we still ping.
    if (c.closing || (!c.peer && st.reading_paused))
      continue;
    if (!c.peer) {
      if (now - c.opened > st.cfg.connect_timeout)
        dead.emplace_back(hdl,
                          caf::make_error(ec::timeout, "no handshake within "
                                                       "connect_timeout"));
      continue;
    }
    auto limit = std::max(
      caf::timespan{st.cfg.heartbeat_timeout},
      caf::timespan{std::chrono::milliseconds{3 * c.peer->heartbeat_ms}});
    if (!st.reading_paused && now - c.last_received > limit) {
      dead.emplace_back(
        hdl, caf::make_error(
               ec::timeout,
               "the peer was silent for "
                 + std::to_string(
                   std::chrono::duration_cast<std::chrono::milliseconds>(
                     now - c.last_received)
                     .count())
                 + " ms"));
      continue;
    }
    if (now - c.last_sent >= st.cfg.heartbeat_interval) {
      auto& out = st.frames;
      out.clear();
      write_ping(out, static_cast<uint64_t>(now.time_since_epoch().count()));
      write(self, c, out);
    }
  }
  for (auto& [name, s] : st.sessions) {
    auto detached_too_long
      = s.detached && now - s.detached_since > st.cfg.connect_timeout;
    // Unread acknowledgements are not late ones.
    auto unacknowledged_too_long
      = !st.reading_paused && !s.in_flight.empty()
        && now - s.in_flight.front().sent_at > st.cfg.send_timeout;
    if (detached_too_long || unacknowledged_too_long)
      unacknowledged.push_back(name);
  }
  for (auto& [hdl, err] : dead)
    if (auto c = st.connections.find(hdl); c != st.connections.end())
      end_connection(self, c->second, std::move(err));
  for (auto& name : unacknowledged)
    drop_session(self, name,
                 caf::make_error(ec::timeout,
                                 "the peer did not acknowledge within "
                                 "send_timeout"));
}

// -- closing ------------------------------------------------------------------

void close(self_pointer self) {
  auto& st = self->state;
  if (st.closed)
    return;
  st.closed = true;
  fail_syncs(self, closed_error());
  // No connection may start now: it could meet the exit in one cycle.
  self->close(st.acceptor);
  std::vector<std::string> names;
  for (auto& [name, s] : st.sessions)
    names.push_back(name);
  for (auto& name : names)
    close_session(self, name,
                  caf::make_error(ec::transport_closed, "the pod is closing"),
                  true);
  for (auto& [id, f] : st.fetches)
    f.promise.deliver(closed_error());
  st.fetches.clear();
  st.targets.clear();
  st.subscribers.clear();
  // What is queued is written before the sockets close (CAF closes every
  // connection gracefully when a broker exits), a cycle from now (see
  // next_cycle).
  next_cycle(self, quit_atom::value);
}

// Sends the broker what it asks to get later (see `later`); holds it weakly.
caf::behavior timer(caf::event_based_actor* self,
                    const caf::actor_addr& broker) {
  return {
    [=](later_atom, caf::timespan delay, caf::message& msg) {
      self->delayed_send(self, delay, later_atom::value, std::move(msg));
    },
    [=](later_atom, caf::message& msg) {
      if (auto target = caf::actor_cast<caf::actor>(broker))
        caf::anon_send(target, std::move(msg));
    },
  };
}

// Joins peers' snapshot answers off the broker's thread.
joiner_actor::behavior_type joiner() {
  return {
    [](join_atom, std::vector<bytes>& answers) -> caf::result<bytes> {
      auto joined = join_snapshots(std::move(answers), wire::format::msgpack);
      if (!joined)
        return std::move(joined.error());
      return std::move(*joined);
    },
  };
}

caf::result<uint16_t> listen(self_pointer self, const std::string& host,
                             uint16_t port) {
  auto& st = self->state;
  auto bound = self->add_tcp_doorman(port, host.c_str(), true);
  if (!bound)
    return std::move(bound.error());
  st.acceptor = bound->first;
  st.port = bound->second;
  if (st.self_endpoint.empty())
    st.self_endpoint = to_string(endpoint{host, st.port});
  st.targets.erase(st.self_endpoint);
  for (auto& [ep, t] : st.targets)
    first_dial(self, ep, t);
  return st.port;
}

caf::timespan tick_interval(const p2p_config& cfg) {
  return std::max(caf::timespan{std::chrono::milliseconds{10}},
                  cfg.heartbeat_interval / 2);
}

} // namespace

// -- behavior -----------------------------------------------------------------

broker_actor::behavior_type transport(broker_impl* self, p2p_config cfg,
                                      std::shared_ptr<tls_context> tls) {
  auto& st = self->state;
  st.cfg = std::move(cfg);
  st.tls = std::move(tls);
  st.incarnation = now_ns();
  st.rng.seed(std::random_device{}());
  if (auto ep = normalize(st.cfg.advertise))
    st.self_endpoint = std::move(*ep);
  for (auto& x : st.cfg.peers)
    if (auto ep = normalize(x))
      st.targets.emplace(std::move(*ep), dial_target{});
  st.ingest = ingest_budget::make(st.cfg.ingest_budget);
  st.joiner = self->spawn<caf::linked>(joiner);
  st.timer = self->spawn<caf::linked>(timer, self->address());
  self->set_down_handler([self](const caf::down_msg& msg) {
    if (!self->state.subscribers.forget(msg.source).empty())
      announce_topics(self);
  });
  later(self, tick_interval(st.cfg), tick_atom::value);
  return {
    // -- transport --
    [=](publish_atom, const std::string& topic, bytes& payload) {
      return publish(self, topic, std::move(payload));
    },
    [=](subscribe_atom, const std::string& topic,
        const subscriber_actor& subscriber) -> caf::result<ok_atom> {
      if (self->state.closed)
        return closed_error();
      self->monitor(subscriber);
      if (self->state.subscribers.add(topic, subscriber.address()))
        announce_topics(self);
      return ok_atom::value;
    },
    [=](unsubscribe_atom, const std::string& topic,
        const subscriber_actor& subscriber) {
      if (self->state.subscribers.remove(topic, subscriber.address()))
        announce_topics(self);
    },
    [=](inbox_atom, const std::string& topic, const bytes& payload) {
      return inbox(self, topic, payload);
    },
    [=](store_snap_atom, const std::string& topic, bytes& payload) {
      return store_snap(self, topic, std::move(payload));
    },
    [=](fetch_snap_atom, const std::string& topic) {
      return fetch_snap(self, topic);
    },
    [=](has_snap_atom, const std::string& topic) {
      // Its own copy, which its peers fetch: a pod's stored snapshots live
      // in its process.
      return self->state.snapshots.count(topic) > 0;
    },
    [=](close_atom) { close(self); },
    [=](get_store_atom, const std::string& topic) -> caf::result<store_actor> {
      auto& subscribers = self->state.subscribers.of(topic);
      if (subscribers.empty())
        return caf::make_error(ec::invalid_argument,
                               "no store for topic '" + topic + "'");
      // Subscribers of a transport are stores.
      return caf::actor_cast<store_actor>(subscribers.front());
    },
    // -- peers --
    [=](add_peer_atom, const std::string& text) -> caf::result<ok_atom> {
      auto ep = normalize(text);
      if (!ep)
        return std::move(ep.error());
      add_target(self, *ep);
      return ok_atom::value;
    },
    [=](remove_peer_atom, const std::string& text) -> caf::result<ok_atom> {
      auto ep = normalize(text);
      if (!ep)
        return std::move(ep.error());
      remove_target(self, *ep);
      return ok_atom::value;
    },
    [=](sync_peers_atom, const std::vector<std::string>& endpoints) {
      return sync_peers(self, endpoints);
    },
    [=](peers_atom) { return list_peers(self); },
    [=](stats_atom) { return self->state.status(); },
    [=](sync_atom) { return sync(self); },
    // -- connections --
    [=](caf::io::new_connection_msg& msg) {
      auto hdl = msg.handle;
      open_connection(
        self, hdl, false,
        to_string(endpoint{self->remote_addr(hdl), self->remote_port(hdl)}), 0);
    },
    [=](caf::io::new_data_msg& msg) { on_data(self, msg); },
    [=](const caf::io::connection_closed_msg& msg) {
      on_closed(self, msg.handle);
    },
    [=](const caf::io::acceptor_closed_msg&) {},
    [=](connected_atom, uint64_t tag, int fd) {
      return on_connected(self, tag, fd);
    },
    [=](connect_failed_atom, uint64_t tag, caf::error& err) {
      on_connect_failed(self, tag, std::move(err));
    },
    [=](close_conn_atom, connection_handle hdl) {
      auto& st = self->state;
      auto i = st.connections.find(hdl);
      if (i == st.connections.end())
        return;
      if (!i->second.closing) {
        // A write failed: end it the usual way, which closes it next.
        end_connection(self, i->second, i->second.failure);
        return;
      }
      // Graceful: what is buffered is written first.
      self->flush(hdl);
      self->close(hdl);
      st.connections.erase(i);
    },
    // -- own timers and start-up --
    [=](listen_atom, const std::string& host, uint16_t port) {
      return listen(self, host, port);
    },
    [=](dial_atom, const std::string& endpoint, uint64_t generation) {
      dial(self, endpoint, generation);
    },
    [=](tick_atom) {
      if (self->state.closed)
        return;
      check_liveness(self);
      later(self, tick_interval(self->state.cfg), tick_atom::value);
    },
    [=](fetch_done_atom, uint64_t id) { finish_fetch(self, id); },
    // Not a normal exit, so that the linked joiner and timer go too.
    [=](quit_atom) {
      flush_all(self);
      self->quit(caf::exit_reason::user_shutdown);
    },
    [=](flush_atom) { flush_all(self); },
    [=](room_atom) { resume_reading(self); },
    [=](grant_atom, connection_handle hdl) { self->trigger(hdl, 1); },
    [=](const caf::io::connection_passivated_msg&) {
      // Out of read tokens: `read_on` or `resume_reading` gives the next.
    },
    [=](resync_all_atom) { self->state.subscribers.resync_all(self); },
  };
}

} // namespace podshare::net::p2p
