#include "fault_transport.hpp"

#include "podshare/error.hpp"

#include <caf/typed_event_based_actor.hpp>

namespace podshare::testing {

transport_actor spawn_fault_transport(caf::actor_system& sys,
                                      transport_actor inner,
                                      std::shared_ptr<faults> switches) {
  return sys.spawn([inner, switches](transport_actor::pointer self)
                     -> transport_actor::behavior_type {
    auto injected = [](const char* what) {
      return caf::make_error(ec::transport_failed, what);
    };
    return {
      [=](publish_atom, std::string& topic,
          bytes& payload) -> caf::result<ok_atom> {
        ++switches->publishes;
        if (switches->hang_publish)
          return self->make_response_promise<ok_atom>(); // never delivered
        if (switches->fail_publish)
          return injected("injected publish failure");
        return self->delegate(inner, publish_atom::value, std::move(topic),
                              std::move(payload));
      },
      [=](subscribe_atom, std::string& topic, subscriber_actor& who) {
        return self->delegate(inner, subscribe_atom::value, std::move(topic),
                              std::move(who));
      },
      [=](unsubscribe_atom, std::string& topic, subscriber_actor& who) {
        self->send(inner, unsubscribe_atom::value, std::move(topic),
                   std::move(who));
      },
      [=](store_snap_atom, std::string& topic,
          bytes& payload) -> caf::result<ok_atom> {
        ++switches->snapshots;
        if (switches->hang_snapshots)
          return self->make_response_promise<ok_atom>(); // never delivered
        if (switches->fail_snapshots)
          return injected("injected snapshot failure");
        return self->delegate(inner, store_snap_atom::value, std::move(topic),
                              std::move(payload));
      },
      [=](fetch_snap_atom, std::string& topic) {
        return self->delegate(inner, fetch_snap_atom::value, std::move(topic));
      },
      [=](close_atom) { self->send(inner, close_atom::value); },
    };
  });
}

} // namespace podshare::testing
