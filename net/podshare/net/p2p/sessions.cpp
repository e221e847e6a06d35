#include "podshare/net/p2p/transport_ops.hpp"

#include "podshare/error.hpp"
#include "podshare/net/p2p/endpoint.hpp"

#include <caf/actor_cast.hpp>
#include <caf/node_id.hpp>
#include <caf/typed_event_based_actor.hpp>

#include <set>

namespace podshare::net::p2p_ops {

namespace {

void dial_failed(self_pointer self, const std::string& endpoint,
                 uint64_t generation, caf::error err);

} // namespace

// -- dialling -----------------------------------------------------------------

void schedule_dial(self_pointer self, const std::string& endpoint,
                   p2p_target& t, caf::timespan delay) {
  auto generation = ++t.generation;
  if (delay.count() == 0)
    self->send(self, dial_atom::value, endpoint, generation);
  else
    self->delayed_send(self, delay, dial_atom::value, endpoint, generation);
}

// When both pods list each other, the one with the smaller endpoint dials at
// once and the other waits a grace period, by which time the first one's
// session usually exists and it need not dial at all: one TCP (and TLS)
// connection per pair, which CAF 0.17's TLS layer needs.
void first_dial(self_pointer self, const std::string& endpoint, p2p_target& t) {
  auto& st = self->state;
  auto delay
    = st.self_endpoint < endpoint ? caf::timespan{0} : st.cfg.dial_grace;
  schedule_dial(self, endpoint, t, delay);
}

void retry_targets_of(self_pointer self, const std::string& peer) {
  auto& st = self->state;
  for (auto& [endpoint, t] : st.targets) {
    if (t.peer != peer)
      continue;
    t.peer.clear();
    schedule_dial(self, endpoint, t, st.next_delay(t));
  }
}

namespace {

void dial_failed(self_pointer self, const std::string& endpoint,
                 uint64_t generation, caf::error err) {
  auto& st = self->state;
  auto i = st.targets.find(endpoint);
  if (i == st.targets.end() || i->second.generation != generation || st.closed)
    return;
  st.notify({p2p_notice::kind::dial_failed, {}, endpoint, std::move(err)});
  schedule_dial(self, endpoint, i->second, st.next_delay(i->second));
}

void hello(self_pointer self, const std::string& endpoint, uint64_t generation,
           const p2p_entry_actor& peer) {
  auto& st = self->state;
  self
    ->request(peer, st.cfg.connect_timeout, hello_atom::value, st.cfg.name,
              st.self_endpoint, st.incarnation)
    .then(
      [self, endpoint, generation, peer](std::string& name, std::string& ep,
                                         uint64_t incarnation) {
        auto& st = self->state;
        if (st.closed || st.targets.count(endpoint) == 0) {
          // Removed while dialling: the peer has a session, we do not.
          self->send(peer, bye_atom::value, st.cfg.name);
          return;
        }
        if (auto err = establish(self, name, ep, incarnation, peer, endpoint))
          dial_failed(self, endpoint, generation, std::move(err));
      },
      [self, endpoint, generation](caf::error& err) {
        dial_failed(self, endpoint, generation, std::move(err));
      });
}

} // namespace

// -- sessions -----------------------------------------------------------------

void close_session(self_pointer self, const std::string& name,
                   caf::error reason, bool say_bye) {
  auto& st = self->state;
  auto i = st.sessions.find(name);
  if (i == st.sessions.end())
    return;
  if (say_bye)
    self->send(i->second.handle, bye_atom::value, st.cfg.name);
  self->demonitor(i->second.handle.address());
  auto endpoint = i->second.endpoint;
  st.sessions.erase(i);
  st.notify(
    {p2p_notice::kind::disconnected, name, endpoint, std::move(reason)});
}

// Makes `handle` the session with `name`. A handshake that finds the same
// handle again (both pods dialled) changes nothing; a different handle under
// the same name is a restarted peer (newer incarnation) or a name clash.
caf::error establish(self_pointer self, const std::string& name,
                     const std::string& endpoint, uint64_t incarnation,
                     const p2p_entry_actor& handle, const std::string& via) {
  auto& st = self->state;
  if (name.empty() || name == st.cfg.name)
    return caf::make_error(ec::invalid_argument,
                           "peer hello with an empty name or our own name '"
                             + name + "'");
  auto i = st.sessions.find(name);
  if (i != st.sessions.end()) {
    if (i->second.handle == handle)
      return caf::none;
    if (incarnation <= i->second.incarnation)
      return caf::make_error(ec::invalid_argument,
                             "a second pod calls itself '" + name + "'");
    close_session(
      self, name,
      caf::make_error(ec::transport_closed, "replaced by a restarted peer"),
      false);
  }
  p2p_session s{name, endpoint, incarnation, handle,
                outbound_queue{st.cfg.max_queue}};
  self->monitor(handle);
  st.sessions.emplace(name, std::move(s));
  for (auto& [target, t] : st.targets) {
    if (target == endpoint || target == via) {
      t.peer = name;
      t.attempts = 0;
      ++t.generation; // cancels a pending dial
    }
  }
  st.notify({p2p_notice::kind::connected, name, endpoint, caf::none});
  resync_local(self);
  if (st.cfg.resync_again.count() > 0)
    self->delayed_send(self, st.cfg.resync_again, resync_all_atom::value);
  return caf::none;
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
  self
    ->request(st.mm, st.cfg.connect_timeout, caf::connect_atom::value,
              where->host, where->port)
    .then(
      [self, endpoint, generation](caf::node_id&, caf::strong_actor_ptr& ptr,
                                   std::set<std::string>& ifs) {
        auto expected = self->system().message_types<p2p_entry_actor>();
        if (ptr == nullptr || ifs != expected) {
          dial_failed(
            self, endpoint, generation,
            caf::make_error(ec::transport_failed,
                            "no podshare p2p entry actor at " + endpoint));
          return;
        }
        if (ptr == self->ctrl()) {
          // Our own address, e.g. from DNS: leave it out.
          self->state.notify(
            {p2p_notice::kind::dial_failed,
             {},
             endpoint,
             caf::make_error(ec::invalid_argument, "endpoint is this pod")});
          self->state.targets.erase(endpoint);
          return;
        }
        hello(self, endpoint, generation,
              caf::actor_cast<p2p_entry_actor>(std::move(ptr)));
      },
      [self, endpoint, generation](caf::error& err) {
        dial_failed(self, endpoint, generation, std::move(err));
      });
}

void drop_session(self_pointer self, const std::string& name,
                  caf::error reason) {
  close_session(self, name, std::move(reason), true);
  retry_targets_of(self, name);
}

// Sends the queued messages as one batch unless a batch is on its way: while
// one is, new messages pile up and leave together when it is acknowledged.

} // namespace podshare::net::p2p_ops
