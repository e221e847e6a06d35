#pragma once

#include "podshare/callreply/interfaces.hpp"
#include "podshare/metrics.hpp"

#include <string>
#include <vector>

namespace podshare::callreply {

/// What one endpoint exports, labelled `pod`.
struct endpoint_sample {
  std::string pod;
  endpoint_stats stats;
};

/// The callreply families (docs/operations.md): calls per outcome
/// (`podshare_callreply_calls_total{pod, outcome}`), calls served, handlers
/// running, bad inbox messages and late replies; for `pod_face::add_source`
/// or `metrics::render`.
std::vector<metrics::family>
collect_metrics(const std::vector<endpoint_sample>& endpoints);

} // namespace podshare::callreply
