#include "podshare/net/p2p/dns_discoverer.hpp"

#include "podshare/error.hpp"
#include "podshare/net/p2p/endpoint.hpp"

#include <caf/typed_event_based_actor.hpp>

#include <spdlog/spdlog.h>

#include <netdb.h>
#include <sys/socket.h>

#include <algorithm>
#include <set>

namespace podshare::net {

caf::expected<std::vector<std::string>>
resolve_with_getaddrinfo(const std::string& name) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* res = nullptr;
  if (auto rc = getaddrinfo(name.c_str(), nullptr, &hints, &res); rc != 0)
    return caf::make_error(ec::transport_failed, "cannot resolve '" + name
                                                   + "': " + gai_strerror(rc));
  std::vector<std::string> out;
  for (auto* p = res; p != nullptr; p = p->ai_next) {
    char host[NI_MAXHOST];
    if (getnameinfo(p->ai_addr, p->ai_addrlen, host, sizeof(host), nullptr, 0,
                    NI_NUMERICHOST)
        == 0)
      out.emplace_back(host);
  }
  freeaddrinfo(res);
  return out;
}

std::vector<std::string> endpoints_of(const std::vector<std::string>& addrs,
                                      uint16_t port, const std::string& self) {
  std::set<std::string> out;
  for (auto& addr : addrs) {
    auto ep = to_string(endpoint{addr, port});
    if (ep != self)
      out.insert(std::move(ep));
  }
  return {out.begin(), out.end()};
}

namespace {

struct dns_state {
  static inline const char* name = "podshare.dns_discoverer";
  dns_discovery_config cfg;
  p2p_transport_actor transport;
};

dns_discoverer_actor::behavior_type
dns_discoverer(dns_discoverer_actor::stateful_pointer<dns_state> self,
               p2p_transport_actor transport, dns_discovery_config cfg) {
  self->state.cfg = std::move(cfg);
  self->state.transport = std::move(transport);
  self->monitor(self->state.transport);
  self->set_down_handler([self](const caf::down_msg&) { self->quit(); });
  self->send(self, tick_atom::value);
  return {
    [self](tick_atom) {
      auto& st = self->state;
      auto addrs = st.cfg.resolve(st.cfg.name);
      if (!addrs) {
        spdlog::warn("p2p dns: {}", describe(addrs.error()));
        if (st.cfg.observer)
          st.cfg.observer(
            {p2p_notice::kind::error, {}, st.cfg.name, addrs.error()});
      } else {
        self
          ->request(st.transport, std::chrono::seconds{10},
                    sync_peers_atom::value,
                    endpoints_of(*addrs, st.cfg.port, st.cfg.self))
          .then([](ok_atom) {},
                [self](caf::error& err) {
                  auto& cfg = self->state.cfg;
                  if (cfg.observer)
                    cfg.observer({p2p_notice::kind::error, {}, cfg.name, err});
                });
      }
      self->delayed_send(self, st.cfg.interval, tick_atom::value);
    },
  };
}

} // namespace

caf::expected<dns_discoverer_actor>
spawn_dns_discoverer(caf::actor_system& sys, p2p_transport_actor transport,
                     dns_discovery_config cfg) {
  if (cfg.name.empty() || cfg.port == 0 || !transport)
    return caf::make_error(ec::invalid_argument,
                           "DNS discovery needs a name, a port and a "
                           "transport");
  if (cfg.interval.count() <= 0)
    return caf::make_error(ec::invalid_argument,
                           "DNS discovery needs a positive interval");
  if (!cfg.resolve)
    cfg.resolve = resolve_with_getaddrinfo;
  return sys.spawn<caf::detached>(dns_discoverer, std::move(transport),
                                  std::move(cfg));
}

} // namespace podshare::net
