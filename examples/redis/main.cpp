// One pod on a Redis topic: it writes its rate-limit policy every few seconds
// and prints every change it sees. Run two with different --node names
// against one server and watch them converge:
//
//   redis-server --port 6379 --save '' &
//   build/examples/redis/redis --node a &
//   build/examples/redis/redis --node b
#include "podshare/configure.hpp"
#include "podshare/error.hpp"
#include "podshare/net/close_transport.hpp"
#include "podshare/net/redis/spawn.hpp"
#include "podshare/store.hpp"

#include <CLI/CLI.hpp>
#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/io/middleman.hpp>
#include <caf/send.hpp>

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <string>
#include <thread>

namespace {

using policy_store = podshare::store<std::string>;

std::atomic<bool> stopping{false};

void print_map(const std::string& node, const policy_store& policies) {
  std::printf("[%s] sees %zu policies:", node.c_str(), policies.keys().size());
  for (auto& key : policies.keys())
    std::printf(" %s=%s", key.c_str(), policies.get(key).value_or("?").c_str());
  std::printf("\n");
  std::fflush(stdout);
}

int run(caf::actor_system& sys, const podshare::net::redis_options& redis,
        const std::string& topic, const std::string& node, int interval,
        int count) {
  auto transport = podshare::net::spawn_redis_transport(sys, redis);
  if (!transport) {
    std::fprintf(stderr, "cannot join: %s\n",
                 podshare::describe(transport.error()).c_str());
    return 3;
  }
  podshare::options opts;
  opts.node_id = node;
  opts.error_handler = [](const caf::error& err) {
    std::fprintf(stderr, "  (reported: %s)\n", podshare::describe(err).c_str());
  };
  auto policies = policy_store::open(sys, topic, *transport, opts);
  if (!policies) {
    std::fprintf(stderr, "cannot open %s: %s\n", topic.c_str(),
                 podshare::describe(policies.error()).c_str());
    return 3;
  }
  std::thread printer{[&, events = policies->watch()]() mutable {
    while (!stopping)
      if (auto ev = events.next(std::chrono::milliseconds{200}))
        std::printf("[%s] watch: %s %s%s%s (from %s)\n", node.c_str(),
                    ev->value ? "set" : "delete", ev->key.c_str(),
                    ev->value ? " = " : "", ev->value ? ev->value->c_str() : "",
                    ev->version.origin.c_str());
  }};
  for (int round = 1; !stopping && (count == 0 || round <= count); ++round) {
    auto limit = std::to_string(100 * round) + "/s";
    if (auto written = policies->set("rate-limit/" + node, limit); !written)
      std::printf("[%s] write kept locally, not sent: %s\n", node.c_str(),
                  podshare::describe(written.error()).c_str());
    print_map(node, *policies);
    for (int i = 0; i < interval * 10 && !stopping; ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds{100});
  }
  stopping = true;
  printer.join();
  print_map(node, *policies);
  policies->close();
  podshare::net::close_transport(sys, *transport);
  return 0;
}

} // namespace

int main(int argc, char** argv) {
  CLI::App app{"A podshare pod on a Redis topic"};
  std::string url = "redis://127.0.0.1:6379";
  std::string topic = "policies";
  std::string node;
  int interval = 3;
  int count = 0;
  app.add_option("--url", url, "redis://[:password@]host[:port][/db]");
  app.add_option("--topic", topic, "the topic to join");
  app.add_option("--node", node, "this pod's node id (default: random)");
  app.add_option("--interval", interval, "seconds between writes")
    ->check(CLI::PositiveNumber);
  app.add_option("--count", count, "stop after this many writes (0: never)")
    ->check(CLI::NonNegativeNumber);
  CLI11_PARSE(app, argc, argv);
  auto redis = podshare::net::redis_options::from_url(url);
  if (!redis) {
    std::fprintf(stderr, "%s\n", podshare::describe(redis.error()).c_str());
    return 2;
  }
  if (node.empty())
    node = podshare::random_node_id().substr(0, 6);
  std::signal(SIGINT, [](int) { stopping = true; });
  std::signal(SIGTERM, [](int) { stopping = true; });
  caf::actor_system_config cfg;
  cfg.load<caf::io::middleman>();
  podshare::configure(cfg);
  caf::actor_system sys{cfg};
  return run(sys, *redis, topic, node, interval, count);
}
