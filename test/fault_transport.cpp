#include "fault_transport.hpp"

#include "podshare/error.hpp"

#include <caf/actor_cast.hpp>
#include <caf/typed_event_based_actor.hpp>

namespace podshare::testing {

transport_actor spawn_fault_transport(caf::actor_system& sys,
                                      transport_actor inner,
                                      std::shared_ptr<faults> switches) {
  // An inbox and a snapshot probe too, as the memory transport behind it:
  // the repair protocol and a resync use them.
  using faulty_actor = transport_actor::extend_with<
    transport_inbox_actor>::extend_with<transport_snapshot_probe_actor>;
  auto inner_inbox = caf::actor_cast<transport_inbox_actor>(inner);
  auto inner_probe = caf::actor_cast<transport_snapshot_probe_actor>(inner);
  auto faulty
    = sys.spawn([inner, inner_inbox, inner_probe, switches](
                  faulty_actor::pointer self) -> faulty_actor::behavior_type {
        auto injected = [](const char* what) {
          return caf::make_error(ec::transport_failed, what);
        };
        return {
          [=](publish_atom, std::string& topic,
              bytes& payload) -> caf::result<ok_atom> {
            // The repair protocol's own topics see no faults: the tests of
            // repair lose the messages it repairs.
            if (topic.find(":repair") != std::string::npos) {
              ++switches->repair_publishes;
              return self->delegate(inner, publish_atom::value,
                                    std::move(topic), std::move(payload));
            }
            ++switches->publishes;
            if (switches->drop_publishes > 0) {
              --switches->drop_publishes;
              return ok_atom::value; // taken, and lost on the way
            }
            if (switches->hang_publish)
              return self->make_response_promise<ok_atom>(); // never delivered
            if (switches->fail_publish)
              return injected("injected publish failure");
            return self->delegate(inner, publish_atom::value, std::move(topic),
                                  std::move(payload));
          },
          [=](subscribe_atom, std::string& topic, subscriber_actor& who) {
            return self->delegate(inner, subscribe_atom::value,
                                  std::move(topic), std::move(who));
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
            return self->delegate(inner, store_snap_atom::value,
                                  std::move(topic), std::move(payload));
          },
          [=](fetch_snap_atom, std::string& topic) {
            return self->delegate(inner, fetch_snap_atom::value,
                                  std::move(topic));
          },
          [=](close_atom) { self->send(inner, close_atom::value); },
          [=](inbox_atom, std::string& topic, bytes& payload) {
            return self->delegate(inner_inbox, inbox_atom::value,
                                  std::move(topic), std::move(payload));
          },
          [=](has_snap_atom, std::string& topic) {
            return self->delegate(inner_probe, has_snap_atom::value,
                                  std::move(topic));
          },
        };
      });
  return caf::actor_cast<transport_actor>(faulty);
}

} // namespace podshare::testing
