#include "pod.hpp"

#include "podshare/error.hpp"
#include "podshare/net/close_transport.hpp"
#include "podshare/net/redis/spawn.hpp"

#include <caf/io/middleman.hpp>
#include <caf/scoped_actor.hpp>
#include <caf/send.hpp>

#include <stdexcept>

namespace podshare::bench {

net::p2p_tls link_setup::tls() const {
  if (tls_dir.empty())
    return {};
  return {tls_dir + "/ca.pem", tls_dir + "/pod.pem", tls_dir + "/pod.key", {}};
}

void configure_like_a_pod(caf::actor_system_config& cfg,
                          const link_setup& setup) {
  if (auto err = net::configure_p2p(cfg, setup.tls()))
    throw std::runtime_error(describe(err));
  configure(cfg, setup.workers);
}

pod::pod(const link_setup& setup, std::vector<std::string> peers,
         const std::string& name, bool client_port) {
  configure_like_a_pod(cfg, setup);
  sys.emplace(cfg);
  if (setup.transport == "redis") {
    net::redis_options opts;
    opts.port = setup.redis_port;
    auto t = net::spawn_redis_transport(*sys, opts);
    if (!t)
      throw std::runtime_error(describe(t.error()));
    transport = *t;
  } else {
    net::p2p_config pcfg;
    pcfg.name = name;
    pcfg.peers = std::move(peers);
    if (client_port)
      pcfg.client_port = 0;
    auto t = net::spawn_p2p_transport(*sys, pcfg);
    if (!t)
      throw std::runtime_error(describe(t.error()));
    p2p = *t;
    transport = p2p->transport();
  }
  options opts;
  opts.node_id = name;
  opts.watch_buffer = 1 << 22;
  auto s = string_store::open(*sys, "bench", transport, opts);
  if (!s)
    throw std::runtime_error(describe(s.error()));
  st.emplace(std::move(*s));
}

pod::~pod() {
  st->close();
  net::close_transport(*sys, transport);
}

bool pod::connected() {
  if (!p2p)
    return true;
  caf::scoped_actor self{*sys};
  bool any = false;
  self->request(p2p->actor, std::chrono::seconds{5}, net::peers_atom::value)
    .receive(
      [&](std::vector<net::p2p_peer>& xs) {
        for (auto& x : xs)
          any = any || x.connected;
      },
      [](caf::error&) {});
  return any;
}

} // namespace podshare::bench
