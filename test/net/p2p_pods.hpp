#pragma once

// Pods for the p2p tests: each pod is its own actor system (its own CAF node,
// so pods in one process still talk over real loopback sockets), a p2p
// transport and string stores, with every notice recorded.

#include "podshare/net/p2p/configure.hpp"
#include "podshare/net/close_transport.hpp"
#include "podshare/net/p2p/spawn.hpp"
#include "podshare/store.hpp"
#include "support/eventually.hpp"

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/scoped_actor.hpp>

#include <spdlog/spdlog.h>

#include <chrono>
#include <deque>
#include <fstream>
#include <sstream>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace podshare::testing {

using string_store = store<std::string>;

/// `eventually` with the longer deadline the mesh tests use: a loaded
/// machine may take long to connect pods.
inline bool wait_until(const std::function<bool()>& pred,
                       std::chrono::milliseconds timeout
                       = std::chrono::seconds{30}) {
  return eventually(pred, timeout);
}

/// Notices a transport reported, readable from the test thread.
struct notice_log {
  void add(const net::p2p_notice& x) {
    std::lock_guard<std::mutex> guard{mtx};
    all.push_back(x);
  }

  size_t count(net::p2p_notice::kind what) const {
    std::lock_guard<std::mutex> guard{mtx};
    size_t n = 0;
    for (auto& x : all)
      if (x.what == what)
        ++n;
    return n;
  }

  mutable std::mutex mtx;
  std::vector<net::p2p_notice> all;
};

/// An actor system configured for p2p, optionally with TLS.
struct pod_config : caf::actor_system_config {
  explicit pod_config(const net::p2p_tls& tls = {}) {
    error = net::configure_p2p(*this, tls);
  }
  caf::error error;
};

/// One pod: an actor system, a p2p transport and its stores.
struct pod {
  explicit pod(net::p2p_config cfg = {}, const net::p2p_tls& tls = {})
    : config(tls), sys(config) {
    auto log = notices;
    cfg.observer = [log](const net::p2p_notice& x) { log->add(x); };
    if (cfg.name.empty())
      cfg.name = "pod";
    auto res = net::spawn_p2p_transport(sys, std::move(cfg));
    if (res)
      net = std::move(*res);
    else
      start_error = std::move(res.error());
  }

  ~pod() { stop(); }

  /// Closes the stores and the transport, as an application shuts down.
  void stop() {
    for (auto& s : stores)
      s.close();
    stores.clear();
    if (net.actor) {
      net::close_transport(sys, net.transport());
      net.actor = nullptr;
    }
  }

  bool ok() const { return !start_error && net.actor != nullptr; }

  std::string endpoint() const { return net.endpoint; }

  /// Opens `topic` and keeps the store; returns its index.
  string_store& open(const std::string& topic, options opts = {}) {
    opts.node_id = net.name + "-" + topic + "-" + std::to_string(stores.size());
    auto s = string_store::open(sys, topic, net.transport(), opts);
    if (!s)
      throw std::runtime_error("open failed: " + describe(s.error()));
    stores.push_back(std::move(*s));
    return stores.back();
  }

  template <class Reply, class... Ts>
  caf::expected<Reply> call(Ts&&... xs) {
    caf::scoped_actor self{sys};
    caf::expected<Reply> result{caf::make_error(ec::timeout)};
    self->request(net.actor, std::chrono::seconds{30}, std::forward<Ts>(xs)...)
      .receive([&](Reply& x) { result = std::move(x); },
               [&](caf::error& err) { result = std::move(err); });
    return result;
  }

  std::vector<net::p2p_peer> peers() {
    auto res = call<std::vector<net::p2p_peer>>(net::peers_atom::value);
    return res ? *res : std::vector<net::p2p_peer>{};
  }

  /// The names of the peers with a live session.
  std::vector<std::string> connected() {
    std::vector<std::string> names;
    for (auto& x : peers())
      if (x.connected)
        names.push_back(x.name);
    return names;
  }

  bool connected_to(const std::string& name) {
    for (auto& x : connected())
      if (x == name)
        return true;
    return false;
  }

  caf::error add_peer(const std::string& ep) {
    auto res = call<ok_atom>(net::add_peer_atom::value, ep);
    return res ? caf::error{} : res.error();
  }

  caf::error remove_peer(const std::string& ep) {
    auto res = call<ok_atom>(net::remove_peer_atom::value, ep);
    return res ? caf::error{} : res.error();
  }

  caf::error sync_peers(std::vector<std::string> eps) {
    auto res = call<ok_atom>(net::sync_peers_atom::value, std::move(eps));
    return res ? caf::error{} : res.error();
  }

  pod_config config;
  caf::actor_system sys;
  net::p2p_handle net;
  caf::error start_error;
  std::shared_ptr<notice_log> notices = std::make_shared<notice_log>();
  /// A deque: references that `open` returned stay valid.
  std::deque<string_store> stores;
};

/// Established IPv4 TCP connections on this host whose remote end is one of
/// `ports` (from /proc/net/tcp): one per connection dialled to those ports.
inline size_t tcp_connections_to(const std::vector<uint16_t>& ports) {
  std::ifstream in{"/proc/net/tcp"};
  std::string line;
  std::getline(in, line); // header
  size_t n = 0;
  while (std::getline(in, line)) {
    std::istringstream fields{line};
    std::string slot, local, remote, state;
    fields >> slot >> local >> remote >> state;
    if (state != "01") // ESTABLISHED
      continue;
    auto port = static_cast<uint16_t>(
      std::stoul(remote.substr(remote.find(':') + 1), nullptr, 16));
    for (auto p : ports)
      if (p == port)
        ++n;
  }
  return n;
}

/// A p2p config named `name`, listening on a free port of 127.0.0.1.
inline net::p2p_config named(std::string name,
                             std::vector<std::string> peers = {}) {
  net::p2p_config cfg;
  cfg.name = std::move(name);
  cfg.peers = std::move(peers);
  cfg.backoff_min = std::chrono::milliseconds{50};
  cfg.backoff_max = std::chrono::milliseconds{500};
  return cfg;
}

/// Whether `s` reads `value` for `key` (nullopt: absent).
inline bool reads(const string_store& s, const std::string& key,
                  std::optional<std::string> value) {
  return s.get(key) == value;
}

} // namespace podshare::testing
