#pragma once

// The ONE place where podsharectl picks its transport: the flags that name
// one and the code that spawns it. A new backend (Redis, P2P) plugs in here
// and nowhere else; the commands only see a `transport_actor`.

#include "exit_code.hpp"

#include "podshare/interfaces.hpp"
#include "podshare/net/p2p/config.hpp"
#include "podshare/net/p2p/interfaces.hpp"

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/timespan.hpp>

#include <cstddef>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace CLI {
class App;
} // namespace CLI

namespace podsharectl {

/// The transport flags as given on the command line.
struct transport_flags {
  bool memory = false;
  std::string redis;
  std::string prefix;
  std::string listen;
  std::vector<std::string> peers;
  std::string tls_ca;
  std::string tls_cert;
  std::string tls_key;
  /// Bytes received and not yet applied before the transport stops reading.
  size_t ingest_budget = size_t{32} * 1024 * 1024;
};

/// Adds `--memory`, `--redis`, `--prefix`, `--listen`, `--peer` and the TLS
/// flags to `app`, writing into `flags`.
void add_transport_flags(CLI::App& app, transport_flags& flags);

/// The last failed dial of a mesh, written by the transport's observer.
struct dial_failures {
  std::mutex mtx;
  std::optional<podshare::net::p2p_notice> last;
};

/// A spawned transport, or why there is none.
struct transport_choice {
  podshare::transport_actor handle;
  /// `ok` when `handle` is valid; `usage` for contradicting or unsupported
  /// flags, `transport` when the backend failed to start.
  podsharectl::outcome outcome;
  /// Whether the transport is a P2P mesh, whose commands wait for peers.
  bool mesh = false;
  /// Whether it is the memory transport, which stays up after close.
  bool memory = false;
  /// The mesh's own handle (peers), when `mesh`.
  podshare::net::p2p_transport_actor p2p;
  /// The mesh's node name, when `mesh`.
  std::string p2p_name;
  /// Why the last dial failed (refused, TLS handshake), if one did: a
  /// command that finds no peer then fails with `transport`, not `timeout`.
  std::shared_ptr<dial_failures> failures = std::make_shared<dial_failures>();
};

/// Prepares the actor system for the transport the flags name (CAF's
/// middleman; for P2P also the network types and any TLS material, which CAF
/// 0.17 sets per actor system). Fails with `transport` when the TLS material
/// does not check out.
outcome prepare_system(caf::actor_system_config& cfg,
                       const transport_flags& flags);

/// Checks the flags and spawns the transport they name.
transport_choice choose_transport(caf::actor_system& sys,
                                  const transport_flags& flags);

/// Waits until `count` peers are connected, for at most `timeout`. Returns
/// at once for transports without peers (memory, Redis).
outcome wait_for_peers(const transport_choice& choice, size_t count,
                       caf::timespan timeout);

/// Releases the transport (the application owns a transport's lifetime)
/// and waits until a Redis or P2P transport has exited.
void close_transport(caf::actor_system& sys, const transport_choice& choice);

} // namespace podsharectl
