#pragma once

// The ONE place where podsharectl picks its transport: the flags that name
// one and the code that spawns it. A new backend (Redis, P2P) plugs in here
// and nowhere else; the commands only see a `transport_actor`.

#include "exit_code.hpp"

#include "podshare/interfaces.hpp"

#include <caf/actor_system.hpp>
#include <caf/timespan.hpp>

#include <cstddef>
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
};

/// Adds `--memory`, `--redis`, `--prefix`, `--listen`, `--peer` and the TLS
/// flags to `app`, writing into `flags`.
void add_transport_flags(CLI::App& app, transport_flags& flags);

/// A spawned transport, or why there is none.
struct transport_choice {
  podshare::transport_actor handle;
  /// `ok` when `handle` is valid; `usage` for contradicting or unsupported
  /// flags, `transport` when the backend failed to start.
  podsharectl::outcome outcome;
  /// Whether the transport is a P2P mesh, whose commands wait for peers.
  bool mesh = false;
};

/// Checks the flags and spawns the transport they name.
transport_choice choose_transport(caf::actor_system& sys,
                                  const transport_flags& flags);

/// Waits until `count` peers are connected, for at most `timeout`. Returns
/// at once for transports without peers (memory, Redis).
outcome wait_for_peers(const transport_choice& choice, size_t count,
                       caf::timespan timeout);

/// Releases the transport: the application owns a transport's lifetime.
void close_transport(const transport_choice& choice);

} // namespace podsharectl
