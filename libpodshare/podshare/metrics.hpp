#pragma once

#include "podshare/stats.hpp"
#include "podshare/transport_status.hpp"

#include <cstdint>
#include <string>
#include <vector>

/// Prometheus metrics of stores and transports as text, with no HTTP and no
/// Prometheus library: what `/metrics` serves, and what an application with
/// an exporter of its own can serve (docs/operations.md lists every metric).
namespace podshare::metrics {

/// The content type of `render`'s output.
constexpr const char* content_type = "text/plain; version=0.0.4; charset=utf-8";

/// What one store exports, labelled `topic` and `pod` (its node id).
struct store_sample {
  std::string topic;
  std::string pod;
  podshare::stats stats;
  /// Per origin, the newest write applied (`store_actor`'s `progress`).
  std::vector<origin_progress> origins;
};

/// What one transport exports, labelled `pod` (the pod it serves: the p2p
/// node name, or a store's node id) and `transport` (its kind).
struct transport_sample {
  std::string pod;
  transport_status status;
};

/// Renders the Prometheus text exposition format 0.0.4: each family once,
/// with its HELP and TYPE lines, then a sample per store, origin, transport
/// and peer. `now_ns` (wall clock, ns since the Unix epoch) dates the ages of
/// the origins' newest writes.
std::string render(const std::vector<store_sample>& stores,
                   const std::vector<transport_sample>& transports,
                   int64_t now_ns);

} // namespace podshare::metrics
