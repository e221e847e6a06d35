#include "podshare/net/memory/transport.hpp"

#include "podshare/error.hpp"
#include "podshare/net/memory/spawn.hpp"

#include <caf/actor_cast.hpp>
#include <caf/typed_event_based_actor.hpp>

namespace podshare::net {

namespace memory {

namespace {

caf::error closed_error() {
  return caf::make_error(ec::transport_closed, "memory transport closed");
}

} // namespace

transport_actor_impl::behavior_type
transport(transport_actor_impl::stateful_pointer<transport_state> self,
          size_t ingest_budget) {
  self->state.ingest = ingest_budget::make(ingest_budget);
  self->set_down_handler([self](const caf::down_msg& msg) {
    self->state.subscribers.forget(msg.source);
  });
  return {
    [=](publish_atom, const std::string& topic,
        const bytes& payload) -> caf::result<ok_atom> {
      if (self->state.closed)
        return closed_error();
      // The publisher has the message already: skip it rather than have it
      // decode its own message only to drop it.
      auto& st = self->state;
      auto publisher = self->current_sender();
      st.subscribers.deliver(self, topic, payload,
                             publisher != nullptr ? publisher->address()
                                                  : caf::actor_addr{},
                             st.ingest.get());
      if (st.held_publishes.empty() && !st.ingest->spent())
        return ok_atom::value;
      st.held_publishes.push_back(self->make_response_promise<ok_atom>());
      if (st.held_publishes.size() == 1)
        st.ingest->when_room([me = self->address()] {
          if (auto x = caf::actor_cast<transport_actor_impl>(me))
            caf::anon_send(x, room_atom::value);
        });
      return st.held_publishes.back();
    },
    [=](room_atom) {
      for (auto& promise : self->state.held_publishes)
        promise.deliver(ok_atom::value);
      self->state.held_publishes.clear();
    },
    [=](inbox_atom, const std::string& topic,
        const bytes& payload) -> caf::result<uint64_t> {
      if (self->state.closed)
        return closed_error();
      return self->state.subscribers.deliver(self, topic, payload);
    },
    [=](subscribe_atom, const std::string& topic,
        subscriber_actor& subscriber) -> caf::result<ok_atom> {
      if (self->state.closed)
        return closed_error();
      self->monitor(subscriber);
      self->state.subscribers.add(topic, subscriber.address());
      return ok_atom::value;
    },
    [=](unsubscribe_atom, const std::string& topic,
        const subscriber_actor& subscriber) {
      self->state.subscribers.remove(topic, subscriber.address());
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
    [=](has_snap_atom, const std::string& topic) -> caf::result<bool> {
      if (self->state.closed)
        return closed_error();
      auto i = self->state.snapshots.find(topic);
      return i != self->state.snapshots.end() && !i->second.empty();
    },
    [=](close_atom) {
      self->state.closed = true;
      self->state.subscribers.clear();
    },
    [=](stats_atom) {
      transport_status x;
      x.kind = "memory";
      x.ready = !self->state.closed;
      x.state = x.ready ? "connected" : "closed";
      x.ingest = self->state.ingest->status();
      return x;
    },
    [=](sync_atom) { return ok_atom::value; },
  };
}

} // namespace memory

transport_actor spawn_memory_transport(caf::actor_system& sys,
                                       size_t ingest_budget) {
  return caf::actor_cast<transport_actor>(
    sys.spawn(memory::transport, ingest_budget));
}

} // namespace podshare::net
