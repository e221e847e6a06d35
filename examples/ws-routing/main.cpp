// ws-routing: a chat user's WebSocket lives on one pod, and any pod sends to
// that user by calling the pod that owns the target `ws:<user>`
// (docs/callreply.md). One pod per process:
//
//   ws-routing --redis redis://127.0.0.1:6379 --pod pod-1 --http 127.0.0.1:9091
//
// Open http://127.0.0.1:9091/, connect as a user, and send to a user
// connected to another pod's page (docs/examples.md).

#include "page.hpp"
#include "router.hpp"

#include "podshare/callreply/metrics.hpp"
#include "podshare/error.hpp"
#include "podshare/net/http/pod_face.hpp"
#include "podshare/net/http/server.hpp"

#include "transport_choice.hpp"

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>

#include <CLI/CLI.hpp>

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <thread>

namespace {

std::atomic<bool> stop_requested{false};

extern "C" void on_stop_signal(int) {
  stop_requested.store(true);
}

int fail(int code, const std::string& why) {
  std::fprintf(stderr, "ws-routing: %s\n", why.c_str());
  return code;
}

} // namespace

int main(int argc, char** argv) {
  CLI::App app{"podshare ws-routing: chat users on any pod, messages routed "
               "to the pod holding the receiver's WebSocket"};
  podsharectl::transport_flags flags;
  podsharectl::add_transport_flags(app, flags);
  std::string pod;
  std::string listen = "127.0.0.1:9091";
  app.add_option("--pod", pod, "this pod's name, unique in the group")
    ->required();
  app.add_option("--http", listen,
                 "HOST:PORT of the page and its WebSockets (default "
                 "127.0.0.1:9091)");
  CLI11_PARSE(app, argc, argv);
  if (flags.redis.empty() && flags.listen.empty())
    return fail(2, "a shared transport is needed: --redis URL or --listen "
                   "HOST:PORT [--peer HOST:PORT]...");
  caf::actor_system_config cfg;
  if (auto prepared = podsharectl::prepare_system(cfg, flags);
      prepared.code != podsharectl::exit_code::ok)
    return fail(static_cast<int>(prepared.code), prepared.reason);
  caf::actor_system sys{cfg};
  std::signal(SIGINT, on_stop_signal);
  std::signal(SIGTERM, on_stop_signal);
  auto transport = podsharectl::choose_transport(sys, flags);
  if (transport.outcome.code != podsharectl::exit_code::ok)
    return fail(static_cast<int>(transport.outcome.code),
                transport.outcome.reason);
  int code = 0;
  {
    podshare::callreply::endpoint_options opts;
    opts.pod = pod;
    // The Go package's JSON, so that Go pods can share the routing table.
    opts.store.wire = podshare::wire::format::json;
    auto ep = podshare::callreply::endpoint::open(sys, transport.handle, opts);
    if (!ep) {
      code = fail(3, podshare::describe(ep.error()));
    } else if (auto server = podshare::http::server::start({listen}); !server) {
      code = fail(3, podshare::describe(server.error()));
    } else {
      ws_routing::router router{*ep};
      (*server)->route("GET", "/", [](const podshare::http::request&) {
        return podshare::http::response{
          200, "text/html; charset=utf-8", ws_routing::page, {}};
      });
      (*server)->websocket_route("/ws", router.handlers());
      // /metrics (with the calls per outcome), /healthz, /readyz and
      // /api/status, for the routing store and the transport.
      auto& routing = ep->routing();
      podshare::http::pod_face face{
        sys,
        {{routing.topic, routing.node_id, routing.actor,
          [counters = routing.counters] { return counters->read(); }}},
        {{pod, transport.handle}}};
      face.add_source([&ep = *ep, pod] {
        auto stats = ep.stats();
        return podshare::callreply::collect_metrics(
          {{pod, stats ? *stats : podshare::callreply::endpoint_stats{}}});
      });
      face.install(**server);
      std::fprintf(stderr,
                   "ws-routing: pod %s serving %s until SIGINT or SIGTERM\n",
                   pod.c_str(), (*server)->url().c_str());
      while (!stop_requested.load())
        std::this_thread::sleep_for(std::chrono::milliseconds{50});
      // Sockets close first: each gives its user up.
      (*server)->stop();
      ep->close();
    }
  }
  podsharectl::close_transport(sys, transport);
  return code;
}
