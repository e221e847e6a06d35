#include "podshare/net/http/pod_face.hpp"

#include "podshare/detail/blocking_call.hpp"
#include "podshare/error.hpp"
#include "podshare/stats_json.hpp"

#include <caf/actor_cast.hpp>

#include <chrono>

namespace podshare::http {

namespace {

int64_t wall_now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
           std::chrono::system_clock::now().time_since_epoch())
    .count();
}

nlohmann::json peer_json(const peer_status& p) {
  return {{"name", p.name},
          {"endpoint", p.endpoint},
          {"identity", p.identity},
          {"connected", p.connected},
          {"messages_in", p.messages_in},
          {"messages_out", p.messages_out},
          {"bytes_in", p.bytes_in},
          {"bytes_out", p.bytes_out},
          {"relayed_out", p.relayed_out},
          {"queued", p.queued}};
}

nlohmann::json ingest_json(const ingest_status& x) {
  return {{"budget", x.budget},
          {"in_flight", x.in_flight},
          {"peak", x.peak},
          {"pauses", x.pauses},
          {"overruns", x.overruns}};
}

} // namespace

pod_face::pod_face(caf::actor_system& sys, std::vector<observed_store> stores,
                   std::vector<observed_transport> transports,
                   caf::timespan timeout)
  : sys_(sys), stores_(std::move(stores)), transports_(std::move(transports)),
    timeout_(timeout) {}

std::vector<transport_status> pod_face::transport_states() const {
  std::vector<transport_status> result;
  for (auto& t : transports_) {
    auto status = detail::blocking_call<transport_status>(
      sys_, caf::actor_cast<transport_status_actor>(t.actor), timeout_,
      stats_atom::value);
    if (status) {
      result.push_back(std::move(*status));
    } else {
      transport_status unknown;
      unknown.kind = "unknown";
      unknown.state = "no answer: " + describe(status.error());
      result.push_back(std::move(unknown));
    }
  }
  return result;
}

std::string pod_face::metrics() const {
  return metrics::render(families());
}

std::vector<metrics::family> pod_face::families() const {
  std::vector<metrics::store_sample> stores;
  for (auto& s : stores_) {
    auto origins = detail::blocking_call<std::vector<origin_progress>>(
      sys_, s.actor, timeout_, progress_atom::value);
    stores.push_back(
      {s.topic, s.node_id, s.stats(),
       origins ? std::move(*origins) : std::vector<origin_progress>{}});
  }
  std::vector<metrics::transport_sample> transports;
  auto states = transport_states();
  for (size_t i = 0; i < states.size(); ++i)
    transports.push_back({transports_[i].pod, std::move(states[i])});
  auto result = metrics::collect(stores, transports, wall_now_ns());
  for (auto& source : sources_)
    for (auto& f : source())
      result.push_back(std::move(f));
  return result;
}

void pod_face::add_source(metric_source source) {
  sources_.push_back(std::move(source));
}

readiness pod_face::ready() const {
  readiness x;
  for (auto& t : transport_states())
    if (!t.ready)
      x.reasons.push_back("transport " + t.kind + ": " + t.state);
  x.ready = x.reasons.empty();
  return x;
}

nlohmann::json pod_face::status() const {
  auto stores = nlohmann::json::array();
  for (auto& s : stores_)
    stores.push_back(
      {{"topic", s.topic}, {"node_id", s.node_id}, {"stats", s.stats()}});
  auto transports = nlohmann::json::array();
  auto states = transport_states();
  for (size_t i = 0; i < states.size(); ++i) {
    auto peers = nlohmann::json::array();
    for (auto& p : states[i].peers)
      peers.push_back(peer_json(p));
    transports.push_back({{"pod", transports_[i].pod},
                          {"kind", states[i].kind},
                          {"ready", states[i].ready},
                          {"state", states[i].state},
                          {"reconnects", states[i].reconnects},
                          {"publish_failures", states[i].publish_failures},
                          {"ingest", ingest_json(states[i].ingest)},
                          {"peers", std::move(peers)}});
  }
  auto ok = ready();
  return {{"ready", ok.ready},
          {"reasons", ok.reasons},
          {"stores", std::move(stores)},
          {"transports", std::move(transports)}};
}

void pod_face::install(server& srv) const {
  srv.route("GET", "/metrics", [this](const request&) {
    return response{200, metrics::content_type, metrics(), {}};
  });
  srv.route("GET", "/healthz", [](const request&) {
    return response{200, "application/json", R"({"alive":true})", {}};
  });
  srv.route("GET", "/readyz", [this](const request&) {
    auto x = ready();
    nlohmann::json body{{"ready", x.ready}, {"reasons", x.reasons}};
    return response{x.ready ? 200 : 503, "application/json", body.dump(), {}};
  });
  srv.route("GET", "/api/status", [this](const request&) {
    return response{200, "application/json", status().dump(), {}};
  });
}

} // namespace podshare::http
