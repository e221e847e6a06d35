#pragma once

// A pod of the link benchmark: an actor system, a p2p or Redis transport
// and one store of strings on topic "bench".

#include "podshare/configure.hpp"
#include "podshare/net/p2p/spawn.hpp"
#include "podshare/store.hpp"

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace podshare::bench {

using string_store = store<std::string>;

/// How the benchmark's pods connect.
struct link_setup {
  /// "p2p" or "redis".
  std::string transport = "p2p";
  /// A directory with ca.pem, pod.pem and pod.key: mutual TLS (p2p).
  std::string tls_dir;
  /// The redis-server every run starts (for its pub/sub baseline too).
  uint16_t redis_port = 0;
  podshare::scheduling workers = podshare::scheduling::caf_default;

  net::p2p_tls tls() const;
};

/// Prepares an actor system configuration as the benchmark's pods have it.
void configure_like_a_pod(caf::actor_system_config& cfg,
                          const link_setup& setup);

struct pod {
  /// `peers`: the endpoints to dial (p2p); `client_port`: open one (p2p).
  pod(const link_setup& setup, std::vector<std::string> peers,
      const std::string& name, bool client_port = false);

  ~pod();

  /// Whether the pod has a peer (p2p) or is connected (Redis).
  bool connected();

  /// The p2p port, or 0.
  uint16_t port() const { return p2p ? p2p->port : 0; }

  /// The client port, or 0.
  uint16_t client_port() const { return p2p ? p2p->client_port : 0; }

  caf::actor_system_config cfg;
  std::optional<caf::actor_system> sys;
  std::optional<net::p2p_handle> p2p;
  transport_actor transport;
  std::optional<string_store> st;
};

} // namespace podshare::bench
