#pragma once

#include "podshare/stats.hpp"
#include "podshare/transport_status.hpp"

#include <cstdint>
#include <string>
#include <utility>
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

/// One sample of a family: its labels and value. A summary's samples come
/// in pairs, `suffix` "_sum" then "_count".
struct sample {
  std::vector<std::pair<std::string, std::string>> labels;
  double value = 0;
  std::string suffix;
};

/// A metric family: its name, HELP text, TYPE ("counter", "gauge",
/// "summary") and samples.
struct family {
  std::string name;
  std::string help;
  std::string type;
  std::vector<sample> samples;
};

/// Every family of the stores and transports, in a fixed order, with a
/// sample per store, origin, transport and peer. `now_ns` (wall clock, ns
/// since the Unix epoch) dates the ages of the origins' newest writes.
std::vector<family> collect(const std::vector<store_sample>& stores,
                            const std::vector<transport_sample>& transports,
                            int64_t now_ns);

/// Renders families in the Prometheus text exposition format 0.0.4: each
/// once, with its HELP and TYPE lines, then its samples.
std::string render(const std::vector<family>& families);

/// `render(collect(stores, transports, now_ns))`.
std::string render(const std::vector<store_sample>& stores,
                   const std::vector<transport_sample>& transports,
                   int64_t now_ns);

} // namespace podshare::metrics
