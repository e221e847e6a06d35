#include "podshare/net/p2p/transport.hpp"

#include "podshare/error.hpp"
#include "podshare/net/p2p/backoff.hpp"

#include <spdlog/spdlog.h>

namespace podshare::net {

const char* to_string(p2p_notice::kind x) {
  switch (x) {
    case p2p_notice::kind::connected: return "connected";
    case p2p_notice::kind::disconnected: return "disconnected";
    case p2p_notice::kind::dial_failed: return "dial_failed";
    case p2p_notice::kind::dropped: return "dropped";
    case p2p_notice::kind::error: return "error";
  }
  return "?";
}

void p2p_transport_state::notify(p2p_notice x) const {
  auto* log = cfg.logger ? cfg.logger.get() : spdlog::default_logger_raw();
  auto level = x.what == p2p_notice::kind::connected
                   || x.what == p2p_notice::kind::disconnected
                 ? spdlog::level::info
                 : spdlog::level::warn;
  log->log(level, "p2p {}: {} peer '{}' at {}{}{}", cfg.name, to_string(x.what),
           x.peer, x.endpoint, x.reason ? ": " : "",
           x.reason ? describe(x.reason) : std::string{});
  if (cfg.observer)
    cfg.observer(x);
}

p2p_session* p2p_transport_state::session_of(const caf::actor_addr& who) {
  for (auto& [name, s] : sessions)
    if (s.handle.address() == who)
      return &s;
  return nullptr;
}

p2p_session* p2p_transport_state::session_at(const std::string& endpoint) {
  auto t = targets.find(endpoint);
  for (auto& [name, s] : sessions)
    if (s.endpoint == endpoint
        || (t != targets.end() && t->second.peer == name))
      return &s;
  return nullptr;
}

caf::timespan p2p_transport_state::next_delay(p2p_target& t) {
  std::uniform_real_distribution<double> unit{0.0, 1.0};
  return backoff_delay(t.attempts++, cfg.backoff_min, cfg.backoff_max,
                       unit(rng));
}

} // namespace podshare::net
