#include "podshare/net/p2p/transport.hpp"

#include "podshare/error.hpp"
#include "podshare/net/p2p/endpoint.hpp"
#include "podshare/net/snapshot_join.hpp"
#include "podshare/net/p2p/transport_ops.hpp"

#include <caf/actor_cast.hpp>
#include <caf/typed_event_based_actor.hpp>

#include <algorithm>
#include <chrono>
#include <memory>

namespace podshare::net {

namespace p2p_ops {

uint64_t now_ns() {
  return static_cast<uint64_t>(
    std::chrono::duration_cast<std::chrono::nanoseconds>(
      std::chrono::system_clock::now().time_since_epoch())
      .count());
}

caf::error closed_error() {
  return caf::make_error(ec::transport_closed, "p2p transport closed");
}

// -- local fan-out ------------------------------------------------------------

void deliver_local(self_pointer self, const std::string& topic,
                   const bytes& payload, const caf::actor_addr& skip) {
  auto i = self->state.subscribers.find(topic);
  if (i == self->state.subscribers.end())
    return;
  for (auto& addr : i->second) {
    if (addr == skip)
      continue;
    if (auto subscriber = caf::actor_cast<subscriber_actor>(addr))
      self->send(subscriber, deliver_atom::value, topic, payload);
  }
}

// Messages may have been lost while a peer was away: every store refreshes.
void resync_local(self_pointer self) {
  for (auto& [topic, addrs] : self->state.subscribers)
    for (auto& addr : addrs)
      if (auto subscriber = caf::actor_cast<subscriber_actor>(addr))
        self->send(subscriber, resync_atom::value, topic);
}

} // namespace p2p_ops

namespace {

using namespace p2p_ops;

// -- sending ------------------------------------------------------------------

void flush(self_pointer self, p2p_session& s) {
  if (s.in_flight || s.queue.empty())
    return;
  s.in_flight = true;
  auto& st = self->state;
  auto name = s.name;
  auto addr = s.handle.address();
  self
    ->request(s.handle, st.cfg.send_timeout, batch_atom::value,
              s.queue.take(st.cfg.max_batch))
    .then(
      [self, name, addr](ok_atom) {
        auto s = self->state.session_of(addr);
        if (s == nullptr)
          return;
        s->in_flight = false;
        flush(self, *s);
      },
      [self, name, addr](caf::error& err) {
        if (self->state.session_of(addr) == nullptr)
          return;
        drop_session(self, name, std::move(err));
      });
}

caf::result<ok_atom> publish(self_pointer self, const std::string& topic,
                             const bytes& payload) {
  auto& st = self->state;
  if (st.closed)
    return closed_error();
  auto sender = self->current_sender();
  deliver_local(self, topic, payload,
                sender != nullptr ? sender->address() : caf::actor_addr{});
  std::vector<std::string> too_slow;
  for (auto& [name, s] : st.sessions) {
    if (!s.queue.push(p2p_message{topic, payload})) {
      too_slow.push_back(name);
      continue;
    }
    flush(self, s);
  }
  for (auto& name : too_slow) {
    auto err = caf::make_error(ec::transport_failed,
                               "peer too slow: outbound queue full");
    st.notify({p2p_notice::kind::dropped, name,
               st.sessions.find(name)->second.endpoint, err});
    drop_session(self, name, err);
  }
  return ok_atom::value;
}

// -- snapshots ----------------------------------------------------------------

// Asks every connected peer for its snapshot and answers the union under
// LWW of the non-empty ones (ours included) that arrive within the timeout
// (see snapshot_join.hpp for why not only the freshest); with no peer
// connected it answers ours, or nothing, at once.
caf::result<bytes> fetch_snap(self_pointer self, const std::string& topic) {
  auto& st = self->state;
  if (st.closed)
    return closed_error();
  bytes local;
  if (auto i = st.snapshots.find(topic); i != st.snapshots.end())
    local = i->second.second;
  if (st.sessions.empty())
    return local;
  struct gather {
    size_t pending = 0;
    std::vector<bytes> answers;
    caf::typed_response_promise<bytes> promise;
    self_pointer self;
    void done() {
      if (--pending != 0)
        return;
      auto merged = join_snapshots(std::move(answers), wire::format::msgpack);
      if (!merged) {
        self->state.notify({p2p_notice::kind::error, {}, {}, merged.error()});
        promise.deliver(bytes{});
        return;
      }
      promise.deliver(std::move(*merged));
    }
  };
  auto g = std::make_shared<gather>();
  g->self = self;
  if (!local.empty())
    g->answers.push_back(std::move(local));
  g->promise = self->make_response_promise<bytes>();
  g->pending = st.sessions.size();
  for (auto& [name, s] : st.sessions)
    self->request(s.handle, st.cfg.fetch_timeout, peer_snap_atom::value, topic)
      .then(
        [g](uint64_t, bytes& x) {
          if (!x.empty())
            g->answers.push_back(std::move(x));
          g->done();
        },
        [g](caf::error&) { g->done(); });
  return g->promise;
}

void close(self_pointer self) {
  auto& st = self->state;
  if (st.closed)
    return;
  st.closed = true;
  for (auto& [name, s] : st.sessions)
    self->send(s.handle, bye_atom::value, st.cfg.name);
  st.sessions.clear();
  st.targets.clear();
  st.subscribers.clear();
  if (st.port != 0)
    self->send(st.mm, caf::close_atom::value, st.port);
  // Peers hold proxies of this actor: only quitting lets it go.
  self->quit();
}

} // namespace

p2p_transport_actor::behavior_type
p2p_transport(p2p_transport_actor::stateful_pointer<p2p_transport_state> self,
              p2p_config cfg, caf::io::middleman_actor mm, bool tls) {
  auto& st = self->state;
  st.cfg = std::move(cfg);
  st.mm = std::move(mm);
  st.tls = tls;
  st.incarnation = now_ns();
  st.rng.seed(std::random_device{}());
  if (auto ep = normalize(st.cfg.advertise))
    st.self_endpoint = std::move(*ep);
  for (auto& x : st.cfg.peers)
    if (auto ep = normalize(x))
      st.targets.emplace(std::move(*ep), p2p_target{});
  self->set_down_handler([self](const caf::down_msg& msg) {
    auto& st = self->state;
    if (auto s = st.session_of(msg.source)) {
      auto name = s->name;
      close_session(self, name, msg.reason, false);
      retry_targets_of(self, name);
      return;
    }
    for (auto& [topic, addrs] : st.subscribers)
      addrs.erase(std::remove(addrs.begin(), addrs.end(), msg.source),
                  addrs.end());
  });
  return {
    // -- transport --
    [=](publish_atom, const std::string& topic, const bytes& payload) {
      return publish(self, topic, payload);
    },
    [=](subscribe_atom, const std::string& topic,
        subscriber_actor& subscriber) -> caf::result<ok_atom> {
      if (self->state.closed)
        return closed_error();
      self->monitor(subscriber);
      self->state.subscribers[topic].push_back(subscriber.address());
      return ok_atom::value;
    },
    [=](unsubscribe_atom, const std::string& topic,
        const subscriber_actor& subscriber) {
      auto& xs = self->state.subscribers[topic];
      xs.erase(std::remove(xs.begin(), xs.end(), subscriber.address()),
               xs.end());
    },
    [=](store_snap_atom, const std::string& topic,
        bytes& payload) -> caf::result<ok_atom> {
      if (self->state.closed)
        return closed_error();
      self->state.snapshots[topic] = {now_ns(), std::move(payload)};
      return ok_atom::value;
    },
    [=](fetch_snap_atom, const std::string& topic) {
      return fetch_snap(self, topic);
    },
    [=](close_atom) { close(self); },
    // -- entry: what peers send --
    [=](
      hello_atom, const std::string& name, const std::string& endpoint,
      uint64_t incarnation) -> caf::result<std::string, std::string, uint64_t> {
      auto& st = self->state;
      if (st.closed)
        return closed_error();
      auto peer = caf::actor_cast<p2p_entry_actor>(self->current_sender());
      if (!peer)
        return caf::make_error(ec::invalid_argument, "anonymous hello");
      if (auto err = establish(self, name, endpoint, incarnation, peer, {})) {
        st.notify({p2p_notice::kind::error, name, endpoint, err});
        return err;
      }
      return {st.cfg.name, st.self_endpoint, st.incarnation};
    },
    [=](batch_atom,
        const std::vector<p2p_message>& batch) -> caf::result<ok_atom> {
      auto& st = self->state;
      auto sender = self->current_sender();
      if (st.closed || sender == nullptr
          || st.session_of(sender->address()) == nullptr)
        return caf::make_error(ec::transport_closed, "no session");
      for (auto& x : batch)
        deliver_local(self, x.topic, x.payload, caf::actor_addr{});
      return ok_atom::value;
    },
    [=](peer_snap_atom, const std::string& topic) {
      auto& st = self->state;
      auto i = st.snapshots.find(topic);
      if (i == st.snapshots.end())
        return caf::result<uint64_t, bytes>{uint64_t{0}, bytes{}};
      return caf::result<uint64_t, bytes>{i->second.first, i->second.second};
    },
    [=](bye_atom, const std::string&) {
      auto sender = self->current_sender();
      if (sender == nullptr)
        return;
      if (auto s = self->state.session_of(sender->address())) {
        auto name = s->name;
        close_session(
          self, name,
          caf::make_error(ec::transport_closed, "peer closed the session"),
          false);
        retry_targets_of(self, name);
      }
    },
    [=](get_store_atom, const std::string& topic) -> caf::result<store_actor> {
      auto& st = self->state;
      auto i = st.subscribers.find(topic);
      if (i == st.subscribers.end() || i->second.empty())
        return caf::make_error(ec::invalid_argument,
                               "no store for topic '" + topic + "'");
      // Subscribers of a transport are stores.
      return caf::actor_cast<store_actor>(i->second.front());
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
    // -- own timers and start-up --
    [=](listen_atom, uint16_t port) {
      auto& st = self->state;
      st.port = port;
      if (st.self_endpoint.empty())
        st.self_endpoint = to_string(endpoint{st.cfg.host, port});
      st.targets.erase(st.self_endpoint);
      for (auto& [endpoint, t] : st.targets)
        first_dial(self, endpoint, t);
    },
    [=](dial_atom, const std::string& endpoint, uint64_t generation) {
      dial(self, endpoint, generation);
    },
    [=](resync_all_atom) { resync_local(self); },
  };
}

} // namespace podshare::net