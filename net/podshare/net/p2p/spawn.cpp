#include "podshare/net/p2p/spawn.hpp"

#include "podshare/detail/log_event.hpp"
#include "podshare/error.hpp"
#include "podshare/net/p2p/client_port.hpp"
#include "podshare/net/p2p/endpoint.hpp"
#include "podshare/net/p2p/tls.hpp"
#include "podshare/net/p2p/transport.hpp"
#include "podshare/store_handle.hpp"

#include <caf/actor_cast.hpp>
#include <caf/io/middleman.hpp>
#include <caf/scoped_actor.hpp>
#include <caf/send.hpp>

#include <spdlog/spdlog.h>

#include <chrono>

namespace podshare::net {

namespace {

caf::error check(const p2p_config& cfg) {
  for (auto& peer : cfg.peers)
    if (auto ep = parse_endpoint(peer); !ep)
      return std::move(ep.error());
  if (!cfg.advertise.empty())
    if (auto ep = parse_endpoint(cfg.advertise); !ep)
      return std::move(ep.error());
  if (cfg.host.empty())
    return caf::make_error(ec::invalid_argument,
                           "p2p needs an explicit listen address");
  if (cfg.max_queue == 0 || cfg.max_batch == 0 || cfg.window_messages == 0
      || cfg.window_bytes == 0 || cfg.ingest_budget == 0)
    return caf::make_error(ec::invalid_argument,
                           "max_queue, max_batch, the windows and the ingest "
                           "budget must be positive");
  if (cfg.max_frame < p2p::handshake_frame_limit
      || cfg.max_frame > uint64_t{1} << 31)
    return caf::make_error(ec::invalid_argument,
                           "max_frame must be between 64 KiB and 2 GiB");
  if (cfg.heartbeat_interval <= caf::timespan{0}
      || cfg.heartbeat_timeout <= cfg.heartbeat_interval)
    return caf::make_error(ec::invalid_argument,
                           "heartbeat_timeout must exceed a positive "
                           "heartbeat_interval");
  return caf::none;
}

} // namespace

transport_actor p2p_handle::transport() const {
  return caf::actor_cast<transport_actor>(actor);
}

caf::expected<p2p_handle> spawn_p2p_transport(caf::actor_system& sys,
                                              p2p_config cfg) {
  if (auto err = check(cfg))
    return err;
  if (cfg.name.empty())
    cfg.name = random_node_id();
  if (!cfg.tls.enabled())
    cfg.tls = tls_of(sys.config());
  std::shared_ptr<tls_context> tls;
  if (cfg.tls.enabled()) {
    auto ctx = tls_context::make(cfg.tls);
    if (!ctx)
      return std::move(ctx.error());
    tls = std::move(*ctx);
  }
  if (!sys.has_middleman())
    return caf::make_error(ec::invalid_argument,
                           "the actor system has no middleman: call "
                           "configure_p2p on its configuration");
  auto log = cfg.logger ? cfg.logger : spdlog::default_logger();
  auto name = cfg.name;
  auto host = cfg.host;
  auto port = cfg.port;
  auto advertise = cfg.advertise;
  auto client_port = cfg.client_port;
  auto ca_file = cfg.tls.ca_file;
  auto broker = sys.middleman().spawn_broker<caf::hidden>(p2p::transport,
                                                          std::move(cfg), tls);
  auto actor = caf::actor_cast<p2p_transport_actor>(broker);
  caf::scoped_actor self{sys};
  caf::expected<uint16_t> bound{caf::make_error(ec::timeout)};
  self
    ->request(broker, std::chrono::seconds{30}, p2p::listen_atom::value, host,
              port)
    .receive([&](uint16_t x) { bound = x; },
             [&](caf::error& err) { bound = std::move(err); });
  if (!bound) {
    caf::anon_send(actor, close_atom::value);
    return caf::make_error(ec::transport_failed, "cannot listen on " + host
                                                   + ":" + std::to_string(port)
                                                   + ": "
                                                   + sys.render(bound.error()));
  }
  p2p_handle result{actor, *bound, name,
                    advertise.empty() ? to_string(endpoint{host, *bound})
                                      : to_string(*parse_endpoint(advertise)),
                    0};
  if (client_port) {
    auto opened = p2p::open_client_port(sys, actor, host, *client_port);
    if (!opened) {
      caf::anon_send(actor, close_atom::value);
      return std::move(opened.error());
    }
    result.client_port = *opened;
  }
  std::vector<detail::log_field> fields{{"pod", name},
                                        {"endpoint", result.endpoint},
                                        {"host", host},
                                        {"port", std::to_string(*bound)}};
  if (result.client_port != 0)
    fields.push_back({"client_port", std::to_string(result.client_port)});
  if (tls) {
    fields.push_back({"tls", "mutual"});
    fields.push_back({"ca", ca_file});
    detail::log_event(log, detail::log_level::info, "p2p_listening", fields);
  } else {
    fields.push_back({"tls", "none"});
    fields.push_back({"warning", "PLAINTEXT: peer traffic is unauthenticated "
                                 "and unencrypted; configure TLS outside a "
                                 "trusted network"});
    detail::log_event(log, detail::log_level::warn, "p2p_listening", fields);
  }
  return result;
}

} // namespace podshare::net
