// The web demo: pods, each with its own page on its own port, updating live.
// By default three pods in this one process on the memory transport, pod N
// on port PORT_START + N - 1 (9080-9082). With a transport flag, one pod per
// process: `web --redis URL --pod 2` or `web --listen HOST:PORT --peer
// HOST:PORT --pod 2`. Open http://127.0.0.1:9080/ and its neighbours, write a
// key on one page and watch it appear on the others (docs/examples.md).

#include "podshare/configure.hpp"
#include "podshare/error.hpp"
#include "podshare/net/http/pod_face.hpp"
#include "podshare/net/http/server.hpp"
#include "podshare/net/http/store_api.hpp"
#include "podshare/net/memory/spawn.hpp"

#include "transport_choice.hpp"

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/io/middleman.hpp>

#include <CLI/CLI.hpp>

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <thread>
#include <vector>

namespace {

std::atomic<bool> stop_requested{false};

extern "C" void on_stop_signal(int) {
  stop_requested.store(true);
}

namespace http = podshare::http;

/// One pod of the demo: its store and its HTTP face on its own port.
struct pod {
  pod(caf::actor_system& sys, http::json_store s,
      const podshare::transport_actor& transport, const std::string& listen)
    : store(std::move(s)) {
    auto started = http::server::start({listen});
    if (!started)
      throw std::runtime_error(podshare::describe(started.error()));
    server = std::move(*started);
    face = std::make_unique<http::pod_face>(
      sys, std::vector<http::observed_store>{http::observe(store)},
      std::vector<http::observed_transport>{{store.node_id(), transport}});
    api = std::make_unique<http::store_api>(store);
    face->install(*server);
    api->install(*server);
  }

  ~pod() {
    // Streams end first, then the API's log, then the store closes.
    server->stop();
    api.reset();
    store.close();
  }

  http::json_store store;
  std::unique_ptr<http::server> server;
  std::unique_ptr<http::pod_face> face;
  std::unique_ptr<http::store_api> api;
};

int default_port_start() {
  const char* env = std::getenv("PORT_START");
  return env != nullptr ? std::atoi(env) : 9080;
}

} // namespace

int main(int argc, char** argv) {
  CLI::App app{"podshare web demo: pods with a page each, updating live"};
  podsharectl::transport_flags flags;
  podsharectl::add_transport_flags(app, flags);
  int port_start = default_port_start();
  std::string host = "127.0.0.1";
  std::string topic = "web";
  int index = 0;
  app.add_option("--port-start", port_start,
                 "pod N serves on this port + N - 1 (default $PORT_START or "
                 "9080)");
  app.add_option("--host", host, "the address the pages listen on");
  app.add_option("--topic", topic, "the topic the pods share");
  app.add_option("--pod", index,
                 "with a transport flag: this process is pod N (1, 2, ...)");
  CLI11_PARSE(app, argc, argv);
  auto one_per_process = !flags.redis.empty() || !flags.listen.empty();
  if (one_per_process && index < 1) {
    std::fprintf(stderr, "web: --pod N is needed with --redis or --listen\n");
    return 2;
  }
  caf::actor_system_config cfg;
  if (one_per_process) {
    if (auto prepared = podsharectl::prepare_system(cfg, flags);
        prepared.code != podsharectl::exit_code::ok) {
      std::fprintf(stderr, "web: %s\n", prepared.reason.c_str());
      return static_cast<int>(prepared.code);
    }
  } else {
    podshare::configure(cfg);
  }
  caf::actor_system sys{cfg};
  std::signal(SIGINT, on_stop_signal);
  std::signal(SIGTERM, on_stop_signal);
  podsharectl::transport_choice transport;
  if (one_per_process) {
    transport = podsharectl::choose_transport(sys, flags);
    if (transport.outcome.code != podsharectl::exit_code::ok) {
      std::fprintf(stderr, "web: %s\n", transport.outcome.reason.c_str());
      return static_cast<int>(transport.outcome.code);
    }
  } else {
    transport.handle = podshare::net::spawn_memory_transport(sys);
    transport.memory = true;
  }
  std::vector<int> indices;
  if (one_per_process)
    indices.push_back(index);
  else
    indices = {1, 2, 3};
  {
    std::vector<std::unique_ptr<pod>> pods;
    try {
      for (auto i : indices) {
        podshare::options opts;
        opts.node_id = "pod-" + std::to_string(i);
        auto s = http::json_store::open(sys, topic, transport.handle, opts);
        if (!s)
          throw std::runtime_error(podshare::describe(s.error()));
        auto listen = host + ":" + std::to_string(port_start + i - 1);
        pods.push_back(
          std::make_unique<pod>(sys, std::move(*s), transport.handle, listen));
        std::printf("pod-%d: %s/\n", i, pods.back()->server->url().c_str());
      }
    } catch (const std::exception& e) {
      std::fprintf(stderr, "web: %s\n", e.what());
      pods.clear();
      podsharectl::close_transport(sys, transport);
      return 3;
    }
    std::fflush(stdout);
    while (!stop_requested.load())
      std::this_thread::sleep_for(std::chrono::milliseconds{50});
  }
  podsharectl::close_transport(sys, transport);
  return 0;
}
