// A pod in its own process for net.redis.
//
// `podshare-redis-pod PORT TOPIC` sets from_child, waits for from_parent,
// deletes from_child, waits for done, then exits 0 (1 on any failure or
// after 30 s).
//
// `podshare-redis-pod PORT TOPIC wait-for` reads lines `KEY TOKEN VALUE`
// from standard input; for each it waits for the write of TOKEN (5 s at
// most), reads KEY at once and prints `ok` if it holds VALUE, else what it
// saw. Exits 0 at the end of input.

#include "podshare/configure.hpp"
#include "podshare/net/close_transport.hpp"
#include "podshare/net/redis/spawn.hpp"
#include "podshare/store.hpp"

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/io/middleman.hpp>

#include <chrono>
#include <cstdio>
#include <iostream>
#include <string>

namespace {

// Waits, for 30 s at most, until `ready()` holds: it reads the revision
// first, so a change applied between the two is not waited for again.
template <class F>
bool wait_until(podshare::store<std::string>& s, F ready) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds{30};
  for (;;) {
    auto seen = s.revision();
    if (ready())
      return true;
    auto left = deadline - std::chrono::steady_clock::now();
    if (left <= decltype(left)::zero())
      return false;
    s.wait_for_revision(seen + 1,
                        std::chrono::duration_cast<caf::timespan>(left));
  }
}

// Read-your-writes across processes: every line's read must see its write.
int serve_waits(podshare::store<std::string>& s) {
  std::string key;
  std::string token_text;
  std::string value;
  while (std::cin >> key >> token_text >> value) {
    auto token = podshare::parse_write_token(token_text);
    if (!token) {
      std::cout << "bad-token" << std::endl;
      continue;
    }
    if (auto err = s.wait_for(*token, std::chrono::seconds{5})) {
      std::cout << podshare::describe(err) << std::endl;
      continue;
    }
    auto seen = s.get(key);
    std::cout << (seen == value ? "ok" : "saw:" + seen.value_or("(none)"))
              << std::endl;
  }
  return 0;
}

int run(caf::actor_system& sys, uint16_t port, const std::string& topic,
        bool waits) {
  podshare::net::redis_options opts;
  opts.port = port;
  auto transport = podshare::net::spawn_redis_transport(sys, opts);
  if (!transport) {
    std::fprintf(stderr, "child: %s\n",
                 podshare::describe(transport.error()).c_str());
    return 1;
  }
  podshare::options store_opts;
  store_opts.node_id = "child";
  auto s
    = podshare::store<std::string>::open(sys, topic, *transport, store_opts);
  if (s && waits) {
    std::cout << "ready" << std::endl;
    auto rc = serve_waits(*s);
    s->close();
    podshare::net::close_transport(sys, *transport);
    return rc;
  }
  if (!s || !s->set("from_child", "hello")
      || !wait_until(*s, [&] { return s->get("from_parent") == "hi"; })
      || !s->erase("from_child")
      || !wait_until(*s, [&] { return s->get("done").has_value(); }))
    return 1;
  s->close();
  podshare::net::close_transport(sys, *transport);
  return 0;
}

} // namespace

int main(int argc, char** argv) {
  bool waits = argc == 4 && std::string{argv[3]} == "wait-for";
  if (argc != 3 && !waits) {
    std::fprintf(stderr, "usage: podshare-redis-pod PORT TOPIC [wait-for]\n");
    return 2;
  }
  caf::actor_system_config cfg;
  cfg.load<caf::io::middleman>();
  podshare::configure(cfg);
  caf::actor_system sys{cfg};
  return run(sys, static_cast<uint16_t>(std::stoi(argv[1])), argv[2], waits);
}
