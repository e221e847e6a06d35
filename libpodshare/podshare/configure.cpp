#include "podshare/configure.hpp"

#include "podshare/error.hpp"

#include <chrono>

namespace podshare {

namespace {

// Polls an idle worker makes before it starts sleeping, in `responsive`
// mode. CAF's default is 100.
constexpr size_t responsive_poll_attempts = 20000;

// In `on_demand` mode: no 50 µs sleep steps (CAF's moderate phase, 500 by
// default), and a steal attempt every 1 ms while waiting (CAF: 10 ms).
constexpr size_t on_demand_moderate_attempts = 0;
constexpr auto on_demand_steal_period = std::chrono::milliseconds{1};

} // namespace

void configure(caf::actor_system_config& cfg, scheduling mode) {
  cfg.add_error_category(error_category, render_error);
  switch (mode) {
    case scheduling::caf_default: break;
    case scheduling::responsive:
      cfg.set("work-stealing.aggressive-poll-attempts",
              responsive_poll_attempts);
      break;
    case scheduling::on_demand:
      cfg.set("work-stealing.moderate-poll-attempts",
              on_demand_moderate_attempts);
      cfg.set("work-stealing.relaxed-sleep-duration",
              caf::timespan{on_demand_steal_period});
      break;
  }
}

} // namespace podshare
