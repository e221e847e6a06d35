#include "podshare/callreply/metrics.hpp"

#include <utility>

namespace podshare::callreply {

namespace {

using metrics::family;
using metrics::sample;

// The outcomes in the order docs/callreply.md lists them.
constexpr std::pair<const char*, uint64_t endpoint_stats::*> outcomes[] = {
  {"ok", &endpoint_stats::ok},
  {"no_route", &endpoint_stats::no_route},
  {"no_handler", &endpoint_stats::no_handler},
  {"busy", &endpoint_stats::busy},
  {"timeout", &endpoint_stats::timeout},
  {"unreachable", &endpoint_stats::unreachable},
  {"handler_error", &endpoint_stats::handler_error},
  {"closed", &endpoint_stats::closed},
};

// A family with one sample per endpoint.
family per_endpoint(const std::vector<endpoint_sample>& endpoints,
                    const char* name, const char* type, const char* help,
                    uint64_t endpoint_stats::*field) {
  family f{name, help, type, {}};
  for (auto& x : endpoints)
    f.samples.push_back(
      sample{{{"pod", x.pod}}, static_cast<double>(x.stats.*field), {}});
  return f;
}

} // namespace

std::vector<family>
collect_metrics(const std::vector<endpoint_sample>& endpoints) {
  std::vector<family> result;
  family calls{"podshare_callreply_calls_total",
               "Calls this pod made, by how they ended.",
               "counter",
               {}};
  for (auto& x : endpoints)
    for (auto& [outcome, field] : outcomes)
      calls.samples.push_back(sample{{{"pod", x.pod}, {"outcome", outcome}},
                                     static_cast<double>(x.stats.*field),
                                     {}});
  result.push_back(std::move(calls));
  result.push_back(per_endpoint(
    endpoints, "podshare_callreply_served_total", "counter",
    "Calls that reached this pod's inbox.", &endpoint_stats::served));
  result.push_back(
    per_endpoint(endpoints, "podshare_callreply_handlers_running", "gauge",
                 "Handlers running now.", &endpoint_stats::running));
  result.push_back(
    per_endpoint(endpoints, "podshare_callreply_bad_messages_total", "counter",
                 "Inbox messages that were not a valid envelope.",
                 &endpoint_stats::bad_messages));
  result.push_back(per_endpoint(
    endpoints, "podshare_callreply_late_replies_total", "counter",
    "Replies to calls that had already ended.", &endpoint_stats::late_replies));
  return result;
}

} // namespace podshare::callreply
