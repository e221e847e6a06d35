#pragma once

#include "podshare/interfaces.hpp"
#include "podshare/metrics.hpp"
#include "podshare/net/http/server.hpp"

#include <caf/actor_system.hpp>
#include <caf/timespan.hpp>

#include <nlohmann/json.hpp>

#include <chrono>
#include <functional>
#include <string>
#include <vector>

namespace podshare::http {

/// A store as the HTTP face sees it (see `observe`).
struct observed_store {
  std::string topic;
  std::string node_id;
  store_actor actor;
  /// Reads its counters with no message (the facade's `stats()`).
  std::function<podshare::stats()> stats;
};

/// Describes a `store<T, Codec>` facade for the HTTP face.
template <class Store>
observed_store observe(const Store& s) {
  return {s.topic(), s.node_id(), s.actor(), [s] { return s.stats(); }};
}

/// A transport as the HTTP face sees it; `pod` labels its metrics (its p2p
/// node name, or the id of the store it carries).
struct observed_transport {
  std::string pod;
  transport_actor actor;
};

/// Whether a pod can serve, and why not.
struct readiness {
  bool ready = false;
  std::vector<std::string> reasons;
};

/// What a pod tells about itself over HTTP, and the same without HTTP:
/// `GET /metrics` (Prometheus text), `GET /healthz` (alive), `GET /readyz`
/// (200 once every store is open and every transport ready, else 503 with
/// the reasons) and `GET /api/status` (node ids, topics, peers, stats).
/// Each call asks the transports and stores for their state from the
/// calling thread (a blocking call with `timeout` each).
class pod_face {
public:
  pod_face(caf::actor_system& sys, std::vector<observed_store> stores,
           std::vector<observed_transport> transports,
           caf::timespan timeout = std::chrono::seconds{2});

  /// The metrics in the Prometheus text format 0.0.4.
  std::string metrics() const;

  /// The same as families, e.g. for a `podshare::prometheus_collector`.
  std::vector<podshare::metrics::family> families() const;

  /// More families for `/metrics`, read at each scrape after the stores'
  /// and transports' (e.g. `callreply::collect_metrics`). Add sources
  /// before `install`.
  using metric_source = std::function<std::vector<podshare::metrics::family>()>;
  void add_source(metric_source source);

  readiness ready() const;

  nlohmann::json status() const;

  /// Adds the four routes to `srv`.
  void install(server& srv) const;

private:
  std::vector<transport_status> transport_states() const;

  caf::actor_system& sys_;
  std::vector<observed_store> stores_;
  std::vector<observed_transport> transports_;
  std::vector<metric_source> sources_;
  caf::timespan timeout_;
};

} // namespace podshare::http
