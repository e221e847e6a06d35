#include "serve.hpp"

#include "podshare/coord/membership.hpp"
#include "podshare/error.hpp"
#include "podshare/net/http/pod_face.hpp"
#include "podshare/net/http/server.hpp"
#include "podshare/net/http/store_api.hpp"

#include <chrono>
#include <iostream>
#include <memory>
#include <thread>

namespace podsharectl {

outcome serve(caf::actor_system& sys, const transport_choice& transport,
              json_store& s, const std::string& http,
              const std::atomic<bool>& stop) {
  std::unique_ptr<podshare::http::server> server;
  std::unique_ptr<podshare::http::pod_face> face;
  std::unique_ptr<podshare::http::store_api> api;
  podshare::coord::membership_options mopts;
  mopts.name = s.node_id();
  auto member = podshare::coord::membership::join(sys, transport.handle, mopts);
  if (!member)
    return failure(member.error());
  if (!http.empty()) {
    auto started = podshare::http::server::start({http});
    if (!started) {
      auto code = started.error() == podshare::ec::invalid_argument
                    ? exit_code::usage
                    : exit_code::transport;
      return outcome::fail(code, podshare::describe(started.error()));
    }
    server = std::move(*started);
    auto pod = transport.mesh ? transport.p2p_name : s.node_id();
    face = std::make_unique<podshare::http::pod_face>(
      sys,
      std::vector<podshare::http::observed_store>{podshare::http::observe(s)},
      std::vector<podshare::http::observed_transport>{{pod, transport.handle}});
    api = std::make_unique<podshare::http::store_api>(s);
    face->install(*server);
    api->install(*server);
  }
  // The line tells scripts (and tests) that the pod is up.
  std::cerr << "podsharectl: serving topic '" << s.topic() << "' as "
            << s.node_id();
  if (server)
    std::cerr << " on " << server->url();
  std::cerr << " until SIGINT or SIGTERM" << std::endl;
  while (!stop.load())
    std::this_thread::sleep_for(std::chrono::milliseconds{50});
  // Streams end first, then the API's log, before the store closes.
  if (server)
    server->stop();
  member->leave();
  return outcome::ok();
}

} // namespace podsharectl
