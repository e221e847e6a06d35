#include "podshare/configure.hpp"

#include "podshare/error.hpp"

namespace podshare {

namespace {

// Polls an idle worker makes before it starts sleeping, in `responsive`
// mode. CAF's default is 100.
constexpr size_t responsive_poll_attempts = 20000;

} // namespace

void configure(caf::actor_system_config& cfg, scheduling mode) {
  cfg.add_error_category(error_category, render_error);
  if (mode == scheduling::responsive)
    cfg.set("work-stealing.aggressive-poll-attempts", responsive_poll_attempts);
}

} // namespace podshare
