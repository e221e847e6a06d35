// Three pods on 127.0.0.1 share a presence topic over the p2p transport.
// Each pod is its own CAF actor system (its own node), so they talk over
// real loopback sockets as three processes would. Pod c lists a and b; b
// lists a; a lists nobody: one list per pair is enough.
//
//   p2p [--tls DIR]   DIR holds ca.pem, pod.pem and pod.key (the build
//                     generates such a directory in build/test/tls)

#include "podshare/net/close_transport.hpp"
#include "podshare/net/p2p/configure.hpp"
#include "podshare/net/p2p/spawn.hpp"
#include "podshare/store.hpp"

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/send.hpp>

#include <CLI/CLI.hpp>

#include <chrono>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace {

using presence_store = podshare::store<std::string>;

struct pod {
  pod(const std::string& name, std::vector<std::string> peers,
      const podshare::net::p2p_tls& tls) {
    // [setup]
    // Before the actor system exists: the middleman, whose multiplexer
    // runs the transport, and the TLS material its connections use.
    if (auto err = podshare::net::configure_p2p(cfg, tls))
      throw std::runtime_error(podshare::describe(err));
    sys.emplace(cfg);
    podshare::net::p2p_config pcfg;
    pcfg.name = name;
    pcfg.peers = std::move(peers);
    auto t = podshare::net::spawn_p2p_transport(*sys, pcfg);
    if (!t)
      throw std::runtime_error(podshare::describe(t.error()));
    net = *t;
    podshare::options opts;
    opts.node_id = name;
    auto s = presence_store::open(*sys, "presence", net.transport(), opts);
    if (!s)
      throw std::runtime_error(podshare::describe(s.error()));
    presence.emplace(std::move(*s));
    // [setup]
  }

  ~pod() {
    // [teardown]
    presence->close();
    // Closes the transport and waits until it exited: before the actor
    // system goes.
    podshare::net::close_transport(*sys, net.transport());
    // [teardown]
  }

  caf::actor_system_config cfg;
  std::optional<caf::actor_system> sys;
  podshare::net::p2p_handle net;
  std::optional<presence_store> presence;
};

void print(const std::string& who, const presence_store& s) {
  std::map<std::string, std::string> sorted;
  for (auto& [k, v] : s.snapshot())
    sorted.emplace(k, v);
  std::cout << "  " << who << " sees:";
  for (auto& [k, v] : sorted)
    std::cout << " " << k << "=" << v;
  std::cout << "\n";
}

// Waits until every pod reads `count` live keys (or 10 s pass).
bool settle(const std::vector<pod*>& pods, size_t count) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds{10};
  for (;;) {
    bool all = true;
    for (auto* p : pods)
      all = all && p->presence->keys().size() == count;
    if (all)
      return true;
    if (std::chrono::steady_clock::now() > deadline)
      return false;
    std::this_thread::sleep_for(std::chrono::milliseconds{10});
  }
}

} // namespace

int main(int argc, char** argv) {
  CLI::App app{"three pods sharing a presence topic over p2p"};
  std::string tls_dir;
  app.add_option("--tls", tls_dir,
                 "directory with ca.pem, pod.pem and pod.key: mutual TLS");
  CLI11_PARSE(app, argc, argv);
  podshare::net::p2p_tls tls;
  if (!tls_dir.empty())
    tls = {tls_dir + "/ca.pem", tls_dir + "/pod.pem", tls_dir + "/pod.key", {}};
  try {
    // [usage]
    auto a = std::make_unique<pod>("a", std::vector<std::string>{}, tls);
    pod b{"b", {a->net.endpoint}, tls};
    pod c{"c", {a->net.endpoint, b.net.endpoint}, tls};
    // Each pod announces itself; the others read it locally.
    a->presence->set("a", "online");
    b.presence->set("b", "online");
    c.presence->set("c", "busy");
    // [usage]
    if (!settle({a.get(), &b, &c}, 3)) {
      std::cerr << "pods did not converge\n";
      return 1;
    }
    std::cout << "all three online:\n";
    print("a", *a->presence);
    print("b", *b.presence);
    print("c", *c.presence);
    // A leaves cleanly: it deletes its key, then shuts down.
    a->presence->erase("a");
    if (!settle({&b, &c}, 2)) {
      std::cerr << "a's departure did not reach b and c\n";
      return 1;
    }
    a.reset();
    std::cout << "after a left:\n";
    print("b", *b.presence);
    print("c", *c.presence);
  } catch (const std::exception& e) {
    std::cerr << "error: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
