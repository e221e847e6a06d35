#pragma once

#include "podshare/net/p2p/config.hpp"
#include "podshare/net/p2p/interfaces.hpp"

#include <caf/actor_system.hpp>
#include <caf/expected.hpp>
#include <caf/timespan.hpp>
#include <caf/typed_actor.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace podshare::net {

/// Resolves a DNS name to addresses (IPv4 or IPv6 text, no port).
using dns_resolver = std::function<caf::expected<std::vector<std::string>>(
  const std::string& name)>;

/// Resolves with the system resolver (`getaddrinfo`, TCP, any family).
caf::expected<std::vector<std::string>>
resolve_with_getaddrinfo(const std::string& name);

/// How a DNS discoverer runs (spec §11).
struct dns_discovery_config {
  /// The name to resolve, e.g. a Kubernetes headless service.
  std::string name;
  /// The port every pod listens on.
  uint16_t port = 0;
  /// How often to resolve.
  caf::timespan interval = std::chrono::seconds{10};
  /// Our own endpoint (`host:port`), left out of the set.
  std::string self;
  /// The resolver; `resolve_with_getaddrinfo` when empty. Tests inject one.
  dns_resolver resolve;
  /// Hears of failed lookups (`kind::error`, `endpoint` = the name).
  p2p_observer observer;
};

/// The discoverer's interface: its own timer.
using dns_discoverer_actor = caf::typed_actor<
  // Resolve now, hand the set to the transport, then wait an interval.
  caf::reacts_to<tick_atom>>;

/// The endpoints a lookup yields: `address:port` for each address, sorted and
/// without duplicates, leaving out `self`.
std::vector<std::string> endpoints_of(const std::vector<std::string>& addrs,
                                      uint16_t port, const std::string& self);

/// Spawns a discoverer that resolves `cfg.name` now and then every
/// `cfg.interval`, and hands the full set of endpoints to the transport's
/// `sync_peers`. A failed lookup is reported and changes nothing. The actor
/// is detached: `getaddrinfo` blocks, and must not block a scheduler thread.
/// It runs until it is sent an exit (or the transport goes away).
caf::expected<dns_discoverer_actor>
spawn_dns_discoverer(caf::actor_system& sys, p2p_transport_actor transport,
                     dns_discovery_config cfg);

} // namespace podshare::net
