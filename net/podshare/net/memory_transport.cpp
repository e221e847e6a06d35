#include "podshare/net/memory_transport.hpp"

#include "podshare/error.hpp"

#include <caf/actor_cast.hpp>
#include <caf/typed_event_based_actor.hpp>

#include <algorithm>

namespace podshare::net {

void memory_transport_state::forget(const caf::actor_addr& who) {
  for (auto& entry : subscribers) {
    auto& xs = entry.second;
    xs.erase(std::remove_if(xs.begin(), xs.end(),
                            [&](const caf::actor_addr& x) { return x == who; }),
             xs.end());
  }
}

transport_actor::behavior_type memory_transport(
  transport_actor::stateful_pointer<memory_transport_state> self) {
  self->set_down_handler(
    [self](const caf::down_msg& msg) { self->state.forget(msg.source); });
  auto closed_error = [] {
    return caf::make_error(ec::transport_closed, "memory transport closed");
  };
  return {
    [=](publish_atom, const std::string& topic,
        bytes& payload) -> caf::result<ok_atom> {
      if (self->state.closed)
        return closed_error();
      auto i = self->state.subscribers.find(topic);
      if (i == self->state.subscribers.end())
        return ok_atom::value;
      // The publisher has the message already: skip it rather than have it
      // decode its own message only to drop it.
      auto publisher = self->current_sender();
      for (auto& addr : i->second) {
        if (publisher != nullptr && addr == publisher->address())
          continue;
        if (auto subscriber = caf::actor_cast<subscriber_actor>(addr))
          self->send(subscriber, deliver_atom::value, topic, payload);
      }
      return ok_atom::value;
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
      self->state.snapshots[topic] = std::move(payload);
      return ok_atom::value;
    },
    [=](fetch_snap_atom, const std::string& topic) -> caf::result<bytes> {
      if (self->state.closed)
        return closed_error();
      auto i = self->state.snapshots.find(topic);
      return i != self->state.snapshots.end() ? i->second : bytes{};
    },
    [=](close_atom) {
      self->state.closed = true;
      self->state.subscribers.clear();
    },
  };
}

transport_actor spawn_memory_transport(caf::actor_system& sys) {
  return sys.spawn(memory_transport);
}

} // namespace podshare::net
