#include "transport_choice.hpp"

#include "podshare/configure.hpp"
#include "podshare/net/close_transport.hpp"
#include "podshare/error.hpp"
#include "podshare/net/memory/spawn.hpp"
#include "podshare/net/p2p/configure.hpp"
#include "podshare/net/p2p/endpoint.hpp"
#include "podshare/net/p2p/spawn.hpp"
#include "podshare/net/redis/spawn.hpp"

#include <caf/io/middleman.hpp>
#include <caf/scoped_actor.hpp>
#include <caf/send.hpp>

#include <chrono>
#include <iostream>
#include <thread>

#include <CLI/CLI.hpp>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

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
                                "HOST:PORT of this pod in a P2P mesh (port 0 "
                                "picks one)");
  // One address per --peer, so that a positional argument may follow.
  app.add_option("--peer", flags.peers, "HOST:PORT of a peer; repeatable")
    ->allow_extra_args(false)
    ->needs(listen);
  app.add_option("--tls-ca", flags.tls_ca, "CA certificate (PEM)")
    ->needs(listen);
  app.add_option("--tls-cert", flags.tls_cert, "this pod's certificate (PEM)")
    ->needs(listen);
  app.add_option("--tls-key", flags.tls_key, "this pod's private key (PEM)")
    ->needs(listen);
  app
    .add_option("--ingest-budget", flags.ingest_budget,
                "received bytes the store may have yet to apply before the "
                "transport stops reading (e.g. 4MiB; default 32MiB)")
    ->transform(CLI::AsSizeValue(false))
    ->check(CLI::Validator(
      [](std::string& bytes) {
        return bytes == "0" ? std::string{"must be at least 1 byte"}
                            : std::string{};
      },
      "SIZE"));
  memory->excludes(redis)->excludes(listen);
  redis->excludes(listen);
}

namespace {

std::shared_ptr<spdlog::logger> stderr_logger() {
  static auto logger = spdlog::stderr_color_mt("podsharectl");
  return logger;
}

} // namespace

transport_choice choose_transport(caf::actor_system& sys,
                                  const transport_flags& flags) {
  transport_choice result;
  if (flags.memory) {
    result.handle
      = podshare::net::spawn_memory_transport(sys, flags.ingest_budget);
    result.memory = true;
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
    opts->ingest_budget = flags.ingest_budget;
    // A lost connection, a dropped message, an overrun: an operator of
    // `serve` wants to hear of them. Standard output carries only results.
    opts->error_handler = [](const caf::error& err) {
      std::cerr << "podsharectl: " << podshare::describe(err) << std::endl;
    };
    auto handle = podshare::net::spawn_redis_transport(sys, *opts);
    if (!handle) {
      result.outcome = outcome::fail(exit_code::transport,
                                     podshare::describe(handle.error()));
      return result;
    }
    result.handle = std::move(*handle);
    return result;
  }
  if (!flags.listen.empty()) {
    // Port 0 asks the system for one; parse_endpoint wants a peer's port.
    auto listen = flags.listen;
    auto zero
      = listen.size() > 2 && listen.compare(listen.size() - 2, 2, ":0") == 0;
    auto self = podshare::net::parse_endpoint(zero ? listen + "1" : listen);
    if (self && zero)
      self->port = 0;
    if (!self) {
      result.outcome = outcome::fail(
        exit_code::usage, "bad --listen: " + podshare::describe(self.error()));
      return result;
    }
    podshare::net::p2p_config cfg;
    cfg.host = self->host;
    cfg.port = self->port;
    cfg.peers = flags.peers;
    cfg.ingest_budget = flags.ingest_budget;
    // Standard output carries only results: the mesh logs to stderr.
    cfg.logger = stderr_logger();
    cfg.observer
      = [failures = result.failures](const podshare::net::p2p_notice& x) {
          if (x.what != podshare::net::p2p_notice::kind::dial_failed)
            return;
          std::lock_guard<std::mutex> guard{failures->mtx};
          failures->last = x;
        };
    auto handle = podshare::net::spawn_p2p_transport(sys, std::move(cfg));
    if (!handle) {
      auto code = handle.error() == podshare::ec::invalid_argument
                    ? exit_code::usage
                    : exit_code::transport;
      result.outcome = outcome::fail(code, podshare::describe(handle.error()));
      return result;
    }
    result.handle = handle->transport();
    result.p2p = handle->actor;
    result.p2p_name = handle->name;
    result.mesh = true;
    return result;
  }
  result.outcome = outcome::fail(
    exit_code::usage, "choose a transport: --memory, --redis URL or --listen "
                      "HOST:PORT");
  return result;
}

outcome prepare_system(caf::actor_system_config& cfg,
                       const transport_flags& flags) {
  if (flags.listen.empty()) {
    cfg.load<caf::io::middleman>(); // The Redis transport's sockets.
    podshare::configure(cfg);
    return outcome::ok();
  }
  podshare::net::p2p_tls tls;
  tls.ca_file = flags.tls_ca;
  tls.certificate = flags.tls_cert;
  tls.key = flags.tls_key;
  if (auto err = podshare::net::configure_p2p(cfg, tls))
    return outcome::fail(exit_code::transport, podshare::describe(err));
  return outcome::ok();
}

outcome wait_for_peers(const transport_choice& choice, size_t count,
                       caf::timespan timeout) {
  if (!choice.mesh || count == 0)
    return outcome::ok();
  caf::scoped_actor self{choice.p2p->home_system()};
  auto deadline = std::chrono::steady_clock::now() + timeout;
  size_t connected = 0;
  for (;;) {
    connected = 0;
    self->request(choice.p2p, timeout, podshare::net::peers_atom::value)
      .receive(
        [&](const std::vector<podshare::net::p2p_peer>& xs) {
          for (auto& x : xs)
            connected += x.connected ? 1 : 0;
        },
        [](const caf::error&) {});
    if (connected >= count)
      return outcome::ok();
    if (std::chrono::steady_clock::now() >= deadline)
      break;
    std::this_thread::sleep_for(std::chrono::milliseconds{20});
  }
  std::lock_guard<std::mutex> guard{choice.failures->mtx};
  if (auto& failed = choice.failures->last)
    return outcome::fail(exit_code::transport,
                         "cannot reach peer " + failed->endpoint + ": "
                           + podshare::describe(failed->reason));
  return outcome::fail(exit_code::timeout,
                       "timeout: " + std::to_string(connected) + " of "
                         + std::to_string(count)
                         + " peers connected (--wait-peers)");
}

void close_transport(caf::actor_system& sys, const transport_choice& choice) {
  // The memory transport stays up after close; the others exit.
  if (choice.memory)
    caf::anon_send(choice.handle, caf::close_atom::value);
  else
    podshare::net::close_transport(sys, choice.handle);
}

} // namespace podsharectl
