#include "podshare/net/p2p/transport.hpp"

#include "podshare/error.hpp"
#include "podshare/net/p2p/configure.hpp"
#include "podshare/net/p2p/endpoint.hpp"
#include "podshare/net/p2p/tls.hpp"
#include "podshare/store_handle.hpp"

#include <caf/actor_cast.hpp>
#include <caf/io/middleman.hpp>
#include <caf/openssl/manager.hpp>
#include <caf/scoped_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include <spdlog/spdlog.h>

namespace podshare::net {

transport_actor p2p_handle::transport() const {
  return caf::actor_cast<transport_actor>(actor);
}

caf::expected<p2p_handle> spawn_p2p_transport(caf::actor_system& sys,
                                              p2p_config cfg) {
  if (!sys.has_middleman())
    return caf::make_error(ec::invalid_argument,
                           "the actor system has no middleman: call "
                           "configure_p2p on its configuration");
  for (auto& peer : cfg.peers)
    if (auto ep = parse_endpoint(peer); !ep)
      return std::move(ep.error());
  if (!cfg.advertise.empty())
    if (auto ep = parse_endpoint(cfg.advertise); !ep)
      return std::move(ep.error());
  if (cfg.host.empty())
    return caf::make_error(ec::invalid_argument,
                           "p2p needs an explicit listen address");
  if (cfg.max_queue == 0 || cfg.max_batch == 0)
    return caf::make_error(ec::invalid_argument,
                           "max_queue and max_batch must be positive");
  if (cfg.name.empty())
    cfg.name = random_node_id();
  auto tls = tls_of(sys.config());
  if (tls.enabled()) {
    // CAF 0.17 reads the key only at the first connection and aborts the
    // process if it is bad: check everything now.
    if (auto err = validate_tls(tls))
      return err;
    if (!sys.has_openssl_manager())
      return caf::make_error(ec::invalid_argument,
                             "TLS configured but caf::openssl not loaded: "
                             "call configure_p2p");
  }
  auto mm = tls.enabled() ? sys.openssl_manager().actor_handle()
                          : sys.middleman().actor_handle();
  auto* log = cfg.logger ? cfg.logger.get() : spdlog::default_logger_raw();
  auto name = cfg.name;
  auto host = cfg.host;
  auto port = cfg.port;
  auto advertise = cfg.advertise;
  auto actor
    = sys.spawn<caf::hidden>(p2p_transport, std::move(cfg), mm, tls.enabled());
  caf::scoped_actor self{sys};
  caf::expected<uint16_t> bound{caf::make_error(ec::timeout)};
  // Publishing binds a socket: a blocking call, made here on the caller's
  // thread rather than inside an actor.
  self
    ->request(mm, std::chrono::seconds{30}, caf::publish_atom::value, port,
              caf::actor_cast<caf::strong_actor_ptr>(actor),
              sys.message_types<p2p_entry_actor>(), host, true)
    .receive([&](uint16_t x) { bound = x; },
             [&](caf::error& err) { bound = std::move(err); });
  if (!bound) {
    self->send_exit(actor, caf::exit_reason::user_shutdown);
    return caf::make_error(ec::transport_failed, "cannot listen on " + host
                                                   + ":" + std::to_string(port)
                                                   + ": "
                                                   + sys.render(bound.error()));
  }
  self->send(actor, listen_atom::value, *bound);
  if (tls.enabled())
    log->info("p2p {}: listening on {}:{} with mutual TLS (CA {})", name, host,
              *bound, tls.ca_file);
  else
    log->warn("p2p {}: listening on {}:{} in PLAINTEXT: peer traffic is "
              "unauthenticated and unencrypted; configure TLS outside a "
              "trusted network",
              name, host, *bound);
  auto self_endpoint = advertise.empty()
                         ? to_string(endpoint{host, *bound})
                         : to_string(*parse_endpoint(advertise));
  return p2p_handle{std::move(actor), *bound, std::move(name),
                    std::move(self_endpoint)};
}

} // namespace podshare::net
