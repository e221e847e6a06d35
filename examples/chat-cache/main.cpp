// The chat-cache app: a hot cache of chat conversations shared by every pod
// of a chat service. Three pods run in this process on one memory transport;
// each appends to the same conversation at the same moment from its own
// thread, pod C watches new messages, and at the end every pod reads the same
// sorted conversation locally. Then pod A evicts a conversation. With
// --redis or --listen, this process is one pod of the service instead.
#include "conversation.hpp"

#include "podshare/configure.hpp"
#include "podshare/net/close_transport.hpp"
#include "podshare/error.hpp"
#include "podshare/net/memory/spawn.hpp"
#include "podshare/net/p2p/configure.hpp"
#include "podshare/net/p2p/endpoint.hpp"
#include "podshare/net/p2p/spawn.hpp"
#include "podshare/net/redis/spawn.hpp"
#include "podshare/store.hpp"

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/send.hpp>

#include <CLI/CLI.hpp>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>
#include <caf/io/middleman.hpp>

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <map>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace {

using chat_store = podshare::store<chat::conversation, chat::codec>;

/// The wall clock in nanoseconds since the Unix epoch.
int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
           std::chrono::system_clock::now().time_since_epoch())
    .count();
}

/// When the program started, so that printed times stay short.
const int64_t start_ns = now_ns();

std::string show(const chat::message& x) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "+%7.3f ms",
                static_cast<double>(x.timestamp - start_ns) / 1e6);
  return std::string{buf} + "  " + x.id + "  <" + x.author + "> " + x.text;
}

/// Pod C's watch: prints the messages each event adds, and evictions.
template <class Stream>
void print_new_messages(Stream& events) {
  std::map<std::string, chat::conversation> seen;
  for (;;) {
    auto ev = events.next(std::chrono::milliseconds{100});
    if (!ev) {
      if (auto why = events.ended()) {
        std::printf("  watch C: stream ended (%s)\n",
                    podshare::to_string(*why));
        return;
      }
      continue;
    }
    if (!ev->value) {
      std::printf("  watch C: %s evicted\n", ev->key.c_str());
      seen.erase(ev->key);
      continue;
    }
    for (auto& x : chat::added(seen[ev->key], *ev->value))
      std::printf("  watch C: %s new: %s\n", ev->key.c_str(), show(x).c_str());
    seen[ev->key] = *ev->value;
  }
}

/// Polls `done` for up to ten seconds.
template <class Predicate>
bool eventually(Predicate done) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds{10};
  while (std::chrono::steady_clock::now() < deadline) {
    if (done())
      return true;
    std::this_thread::sleep_for(std::chrono::milliseconds{5});
  }
  return done();
}

/// Appends one message to `key` on `pod`: the write carries only the new
/// message, and the merger joins it with what the pod holds.
bool append(chat_store& pod, const std::string& key, chat::message x) {
  auto res = pod.set(key, chat::make_conversation({std::move(x)}));
  if (!res)
    std::printf("  append failed: %s\n",
                podshare::describe(res.error()).c_str());
  return static_cast<bool>(res);
}

size_t size_of(const std::optional<chat::conversation>& x) {
  return x ? x->messages.size() : 0;
}

bool run(caf::actor_system& sys, const podshare::transport_actor& transport,
         int per_pod) {
  std::array<const char*, 3> names{"A", "B", "C"};
  std::array<const char*, 3> authors{"alice", "bob", "carol"};
  std::vector<chat_store> pods;
  for (auto name : names) {
    auto pod = chat_store::open(sys, "chat", transport, {}, chat::merge);
    if (!pod) {
      std::printf("pod %s: open failed: %s\n", name,
                  podshare::describe(pod.error()).c_str());
      return false;
    }
    pods.push_back(std::move(*pod));
  }
  auto events = pods[2].watch(podshare::watch_filter::prefix("conv:"));
  std::thread watcher{[&events] { print_new_messages(events); }};

  // Every pod appends to the same conversation at the same moment.
  const std::string general = "conv:general";
  std::printf("pods A, B and C append %d messages each to %s at once:\n",
              per_pod, general.c_str());
  std::atomic<bool> go{false};
  std::atomic<int> failures{0};
  std::vector<std::thread> writers;
  for (size_t p = 0; p < pods.size(); ++p)
    writers.emplace_back([&, p] {
      while (!go.load())
        std::this_thread::yield();
      for (int i = 1; i <= per_pod; ++i) {
        auto id = std::string{names[p]} + "-" + std::to_string(i);
        auto text = "message " + std::to_string(i) + " from pod " + names[p];
        if (!append(pods[p], general, {id, authors[p], now_ns(), text}))
          ++failures;
      }
    });
  go = true;
  for (auto& w : writers)
    w.join();
  auto want = static_cast<size_t>(per_pod) * pods.size();
  auto converged = eventually([&] {
    auto a = pods[0].get(general);
    return size_of(a) == want && pods[1].get(general) == a
           && pods[2].get(general) == a;
  });

  // Reads are local on every pod: no message, no round trip.
  for (size_t p = 0; p < pods.size(); ++p) {
    auto conv = pods[p].get(general);
    std::printf("\npod %s reads %s locally (%zu messages):\n", names[p],
                general.c_str(), size_of(conv));
    if (conv)
      for (auto& x : conv->messages)
        std::printf("  %s\n", show(x).c_str());
  }
  std::printf("\nall pods hold the same conversation: %s\n",
              converged ? "yes" : "NO");

  // Eviction: a conversation nobody reads any more leaves every pod's cache.
  const std::string random = "conv:random";
  append(pods[1], random, {"B-r1", "bob", now_ns(), "anyone here?"});
  auto cached = eventually([&] { return pods[0].get(random).has_value(); });
  std::printf("\npod A evicts %s (cached everywhere: %s)\n", random.c_str(),
              cached ? "yes" : "NO");
  auto evicted = static_cast<bool>(pods[0].erase(random));
  evicted = evicted && eventually([&] {
              return !pods[0].get(random) && !pods[1].get(random)
                     && !pods[2].get(random);
            });
  std::printf("%s is gone from every pod: %s\n", random.c_str(),
              evicted ? "yes" : "NO");

  std::printf("\nclosing the pods (this ends the watch):\n");
  bool closed = true;
  for (auto& pod : pods)
    closed = !pod.close() && closed;
  watcher.join();
  return failures == 0 && converged && cached && evicted && closed;
}

// How many pods have announced themselves under `presence:`.
size_t pods_present(const chat_store& pod) {
  auto keys = pod.keys();
  return static_cast<size_t>(
    std::count_if(keys.begin(), keys.end(), [](const std::string& key) {
      return key.rfind("presence:", 0) == 0;
    }));
}

// One pod per process over Redis: announces itself, waits until all `pods`
// pods have (so every pod is subscribed before anyone appends), appends
// `per_pod` messages to the shared conversation at once with the others,
// waits until it holds every pod's messages, and prints it.
bool run_one_pod(caf::actor_system& sys,
                 const podshare::transport_actor& transport,
                 const std::string& name, int per_pod, int pods) {
  podshare::options opts;
  opts.node_id = name;
  opts.error_handler = [name](const caf::error& err) {
    std::fprintf(stderr, "pod %s: %s\n", name.c_str(),
                 podshare::describe(err).c_str());
  };
  auto pod = chat_store::open(sys, "chat", transport, opts, chat::merge);
  if (!pod) {
    std::printf("pod %s: open failed: %s\n", name.c_str(),
                podshare::describe(pod.error()).c_str());
    return false;
  }
  append(*pod, "presence:" + name, {name, name, now_ns(), "joined"});
  auto all_present = eventually(
    [&] { return pods_present(*pod) >= static_cast<size_t>(pods); });
  const std::string general = "conv:general";
  bool appended = true;
  for (int i = 1; i <= per_pod; ++i)
    appended = append(*pod, general,
                      {name + "-" + std::to_string(i), name, now_ns(),
                       "message " + std::to_string(i) + " from pod " + name})
               && appended;
  auto want = static_cast<size_t>(per_pod) * static_cast<size_t>(pods);
  auto complete
    = eventually([&] { return size_of(pod->get(general)) >= want; });
  auto conv = pod->get(general);
  std::printf("pod %s reads %s locally (%zu messages):\n", name.c_str(),
              general.c_str(), size_of(conv));
  if (conv)
    for (auto& x : conv->messages)
      std::printf("  %s\n", show(x).c_str());
  return all_present && appended && complete && !pod->close();
}

// One pod of the service in this process, on Redis: exit code 0 when it
// converged, 1 when not, 2 for a bad URL, 3 when Redis is unreachable.
int run_on_redis(const std::string& url, const std::string& name, int per_pod,
                 int pods) {
  auto opts = podshare::net::redis_options::from_url(url);
  if (!opts) {
    std::fprintf(stderr, "chat-cache: %s\n",
                 podshare::describe(opts.error()).c_str());
    return 2;
  }
  caf::actor_system_config cfg;
  cfg.load<caf::io::middleman>();
  podshare::configure(cfg);
  caf::actor_system sys{cfg};
  auto transport = podshare::net::spawn_redis_transport(sys, *opts);
  if (!transport) {
    std::fprintf(stderr, "chat-cache: %s\n",
                 podshare::describe(transport.error()).c_str());
    return 3;
  }
  auto ok = run_one_pod(sys, *transport, name, per_pod, pods);
  podshare::net::close_transport(sys, *transport);
  std::printf("%s\n", ok ? "done" : "FAILED");
  return ok ? 0 : 1;
}

// One pod of the service in this process, in a P2P mesh with `peers`.
int run_in_mesh(const std::string& listen,
                const std::vector<std::string>& peers, const std::string& name,
                int per_pod, int pods) {
  auto self = podshare::net::parse_endpoint(listen);
  if (!self) {
    std::fprintf(stderr, "chat-cache: --listen: %s\n",
                 podshare::describe(self.error()).c_str());
    return 2;
  }
  caf::actor_system_config cfg;
  if (auto err = podshare::net::configure_p2p(cfg)) {
    std::fprintf(stderr, "chat-cache: %s\n", podshare::describe(err).c_str());
    return 3;
  }
  caf::actor_system sys{cfg};
  podshare::net::p2p_config mesh;
  mesh.name = name;
  mesh.host = self->host;
  mesh.port = self->port;
  mesh.peers = peers;
  // Standard output is the conversation; the mesh logs to stderr.
  mesh.logger = spdlog::stderr_color_mt("chat-cache");
  auto transport = podshare::net::spawn_p2p_transport(sys, mesh);
  if (!transport) {
    std::fprintf(stderr, "chat-cache: %s\n",
                 podshare::describe(transport.error()).c_str());
    return 3;
  }
  auto ok = run_one_pod(sys, transport->transport(), name, per_pod, pods);
  podshare::net::close_transport(sys, transport->transport());
  std::printf("%s\n", ok ? "done" : "FAILED");
  return ok ? 0 : 1;
}

} // namespace

int main(int argc, char** argv) {
  CLI::App app{"chat-cache: conversations cached on every pod, merged by "
               "union.\nBy default three pods run in this process on the "
               "memory transport.\nWith --redis or --listen, this process is "
               "one pod of the service; run --pods of them."};
  int per_pod = 3;
  std::string redis;
  std::string listen;
  std::vector<std::string> peers;
  std::string pod_name = "pod-" + podshare::random_node_id().substr(0, 4);
  int pods = 1;
  app.add_option("--messages", per_pod, "messages each pod appends")
    ->check(CLI::Range(1, 10000));
  auto* on_redis = app.add_option("--redis", redis,
                                  "run one pod on this Redis server: "
                                  "redis://[:password@]host[:port][/db]");
  auto* in_mesh = app.add_option("--listen", listen,
                                 "run one pod in a P2P mesh: HOST:PORT");
  app.add_option("--peer", peers, "HOST:PORT of another pod; repeatable")
    ->needs(in_mesh);
  on_redis->excludes(in_mesh);
  app.add_option("--pod", pod_name, "this pod's name (with --redis/--listen)");
  app
    .add_option("--pods", pods,
                "with --redis/--listen: how many pods the service runs; each "
                "waits for all of them before appending")
    ->check(CLI::Range(1, 100));
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // Help exits 0; every other parse error is a usage error, exit 2.
    auto rc = app.exit(e);
    return rc == 0 ? 0 : 2;
  }
  if (!redis.empty())
    return run_on_redis(redis, pod_name, per_pod, pods);
  if (!listen.empty())
    return run_in_mesh(listen, peers, pod_name, per_pod, pods);
  caf::actor_system_config cfg;
  podshare::configure(cfg);
  caf::actor_system sys{cfg};
  auto transport = podshare::net::spawn_memory_transport(sys);
  auto ok = run(sys, transport, per_pod);
  caf::anon_send(transport, caf::close_atom::value);
  std::printf("%s\n", ok ? "done" : "FAILED");
  return ok ? 0 : 1;
}
