#include "podshare/coord/member.hpp"

#include <caf/actor_cast.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

namespace podshare::coord {

namespace {

using self_pointer = membership_actor::stateful_pointer<membership_state>;

void notify(self_pointer self, const std::optional<ownership_change>& change) {
  if (!change)
    return;
  for (auto& listener : self->state.listeners)
    self->send(listener, ownership_atom::value, *change);
}

// Re-evaluates ownership, tells the listeners, and wakes up when the next
// gained partition has settled.
void reevaluate(self_pointer self) {
  auto now = self->clock().now();
  notify(self, self->state.update(now));
  if (auto next = self->state.next_settle())
    self->delayed_send(self, *next - now, settle_atom::value);
}

void beat(self_pointer self) {
  auto& st = self->state;
  write_item item{st.cfg.name, st.next_heartbeat(), nullptr};
  // A heartbeat that fails is not retried: the next one replaces it.
  self
    ->request(st.presence.actor, st.cfg.heartbeat, set_atom::value,
              std::move(item))
    .then([](const version&) {}, [](const caf::error&) {});
}

// Removes the heartbeats of members silent for long; concurrent removals by
// several members are harmless, and a member that comes back writes a newer
// heartbeat.
void reap(self_pointer self) {
  auto& st = self->state;
  for (auto& member : st.reap(self->clock().now()))
    self
      ->request(st.presence.actor, st.cfg.heartbeat, erase_atom::value, member)
      .then([](const version&) {}, [](const caf::error&) {});
}

void tick(self_pointer self) {
  if (self->state.left)
    return;
  beat(self);
  reap(self);
  reevaluate(self);
  self->delayed_send(self, self->state.cfg.heartbeat, tick_atom::value);
}

void heard(self_pointer self, const event_batch& events) {
  auto now = self->clock().now();
  for (auto& x : events.events())
    self->state.heard(x.key, x.kind == event_kind::erase, now);
  reevaluate(self);
}

void add_listener(self_pointer self, const ownership_listener_actor& x) {
  self->monitor(x);
  self->state.listeners.push_back(x);
  ownership_change all;
  all.live = self->state.live(self->clock().now());
  all.acquired.assign(self->state.held.begin(), self->state.held.end());
  self->send(x, ownership_atom::value, std::move(all));
}

caf::result<ok_atom> leave(self_pointer self) {
  auto& st = self->state;
  if (st.left)
    return ok_atom::value;
  notify(self, st.release_all(self->clock().now()));
  auto rp = self->make_response_promise<ok_atom>();
  self
    ->request(st.presence.actor, caf::infinite, erase_atom::value, st.cfg.name)
    .then(
      [=](const version&) mutable {
        rp.deliver(ok_atom::value);
        self->quit();
      },
      [=](caf::error& err) mutable {
        rp.deliver(std::move(err));
        self->quit();
      });
  return rp;
}

membership_actor::behavior_type member(self_pointer self, store_handle presence,
                                       membership_config cfg) {
  auto& st = self->state;
  st.cfg = std::move(cfg);
  st.presence = std::move(presence);
  st.heard_all_in_replica(self->clock().now());
  self->set_down_handler([self](const caf::down_msg& x) {
    auto& ls = self->state.listeners;
    ls.erase(std::remove_if(ls.begin(), ls.end(),
                            [&](const ownership_listener_actor& l) {
                              return l.address() == x.source;
                            }),
             ls.end());
  });
  self
    ->request(st.presence.actor, caf::infinite, watch_atom::value,
              watch_filter::all(), caf::actor_cast<watcher_actor>(self))
    .then([](watch_id) {}, [self](caf::error& err) { self->quit(err); });
  tick(self);
  return {
    // -- reads --
    [self](get_atom) { return self->state.live(self->clock().now()); },
    [self](get_atom, ownership_atom) {
      auto& held = self->state.held;
      return std::vector<uint32_t>{held.begin(), held.end()};
    },
    [self](watch_atom, const ownership_listener_actor& x) {
      add_listener(self, x);
    },
    // -- lifecycle --
    [self](leave_atom) { return leave(self); },
    [self](tick_atom) { tick(self); },
    [self](settle_atom) { reevaluate(self); },
    // -- from the presence store --
    [self](event_atom, watch_id, const event_batch& events) {
      heard(self, events);
    },
    [self](watch_end_atom, watch_id, watch_end) {
      // The presence store closed: no heartbeat can go out any more.
      notify(self, self->state.release_all(self->clock().now()));
      self->quit();
    },
  };
}

} // namespace

membership_actor spawn_member(caf::actor_system& sys, store_handle presence,
                              membership_config cfg) {
  return sys.spawn(member, std::move(presence), std::move(cfg));
}

} // namespace podshare::coord
