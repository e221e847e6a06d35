#include "podshare/net/p2p/client_port.hpp"

#include "podshare/error.hpp"

#include <caf/actor_cast.hpp>
#include <caf/io/middleman.hpp>
#include <caf/openssl/manager.hpp>
#include <caf/scoped_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include <atomic>
#include <chrono>
#include <memory>

namespace podshare::net::p2p {

namespace {

// Lives as long as the transport; closes the port when it goes.
p2p_entry_actor::behavior_type
entry(p2p_entry_actor::pointer self, const p2p_transport_actor& transport,
      caf::io::middleman_actor mm,
      const std::shared_ptr<std::atomic<uint16_t>>& port) {
  self->monitor(transport);
  self->set_down_handler([self, mm, port](const caf::down_msg&) {
    if (auto bound = port->load(); bound != 0)
      self->send(mm, caf::close_atom::value, bound);
    self->quit();
  });
  return {
    [=](get_store_atom, const std::string& topic) {
      return self->delegate(transport, get_store_atom::value, topic);
    },
  };
}

} // namespace

caf::expected<uint16_t> open_client_port(caf::actor_system& sys,
                                         const p2p_transport_actor& transport,
                                         const std::string& host,
                                         uint16_t port) {
  auto mm = sys.has_openssl_manager() ? sys.openssl_manager().actor_handle()
                                      : sys.middleman().actor_handle();
  auto bound_port = std::make_shared<std::atomic<uint16_t>>(0);
  auto actor = sys.spawn<caf::hidden>(entry, transport, mm, bound_port);
  caf::scoped_actor self{sys};
  caf::expected<uint16_t> bound{caf::make_error(ec::timeout)};
  self
    ->request(mm, std::chrono::seconds{30}, caf::publish_atom::value, port,
              caf::actor_cast<caf::strong_actor_ptr>(actor),
              sys.message_types<p2p_entry_actor>(), host, true)
    .receive([&](uint16_t x) { bound = x; },
             [&](caf::error& err) { bound = std::move(err); });
  if (!bound) {
    self->send_exit(actor, caf::exit_reason::user_shutdown);
    return caf::make_error(ec::transport_failed, "cannot open the client port "
                                                   + host + ":"
                                                   + std::to_string(port) + ": "
                                                   + sys.render(bound.error()));
  }
  bound_port->store(*bound);
  return bound;
}

} // namespace podshare::net::p2p
