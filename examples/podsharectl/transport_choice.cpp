#include "transport_choice.hpp"

#include "podshare/error.hpp"
#include "podshare/net/memory_transport.hpp"
#include "podshare/net/redis_transport.hpp"

#include <caf/send.hpp>

#include <CLI/CLI.hpp>

namespace podsharectl {

void add_transport_flags(CLI::App& app, transport_flags& flags) {
  auto* memory = app.add_flag("--memory", flags.memory,
                              "a topic inside this process, for trying the "
                              "tool (starts empty every run)");
  auto* redis = app.add_option("--redis", flags.redis,
                               "redis://[:password@]host:port[/db]");
  app
    .add_option("--prefix", flags.prefix,
                "Redis channel and key prefix (default podshare)")
    ->needs(redis);
  auto* listen = app.add_option("--listen", flags.listen,
                                "HOST:PORT of this pod in a P2P mesh (not in "
                                "this build yet)");
  app.add_option("--peer", flags.peers, "HOST:PORT of a peer; repeatable")
    ->needs(listen);
  app.add_option("--tls-ca", flags.tls_ca, "CA certificate (PEM)")
    ->needs(listen);
  app.add_option("--tls-cert", flags.tls_cert, "this pod's certificate (PEM)")
    ->needs(listen);
  app.add_option("--tls-key", flags.tls_key, "this pod's private key (PEM)")
    ->needs(listen);
  memory->excludes(redis)->excludes(listen);
  redis->excludes(listen);
}

transport_choice choose_transport(caf::actor_system& sys,
                                  const transport_flags& flags) {
  transport_choice result;
  if (flags.memory) {
    result.handle = podshare::net::spawn_memory_transport(sys);
    return result;
  }
  if (!flags.redis.empty()) {
    auto opts = podshare::net::redis_options::from_url(flags.redis);
    if (!opts) {
      result.outcome
        = outcome::fail(exit_code::usage,
                        "bad --redis URL: " + podshare::describe(opts.error()));
      return result;
    }
    if (!flags.prefix.empty())
      opts->prefix = flags.prefix;
    auto handle = podshare::net::spawn_redis_transport(sys, *opts);
    if (!handle) {
      result.outcome = outcome::fail(exit_code::transport,
                                     podshare::describe(handle.error()));
      return result;
    }
    result.handle = std::move(*handle);
    return result;
  }
  // Plug the P2P transport in here; set `mesh` so that commands wait for
  // --wait-peers peers.
  if (!flags.listen.empty()) {
    result.outcome = outcome::fail(
      exit_code::usage, "--listen is not available in this build: the P2P "
                        "transport has not landed yet");
    return result;
  }
  result.outcome = outcome::fail(
    exit_code::usage, "choose a transport: --memory, --redis URL or --listen "
                      "HOST:PORT");
  return result;
}

outcome wait_for_peers(const transport_choice& choice, size_t count,
                       caf::timespan timeout) {
  // Only a mesh has peers; the P2P transport's connection count goes here.
  static_cast<void>(count);
  static_cast<void>(timeout);
  if (choice.mesh)
    return outcome::fail(exit_code::usage, "no mesh transport in this build");
  return outcome::ok();
}

void close_transport(const transport_choice& choice) {
  if (choice.handle)
    caf::anon_send(choice.handle, caf::close_atom::value);
}

} // namespace podsharectl
