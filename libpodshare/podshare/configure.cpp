#include "podshare/configure.hpp"

#include "podshare/error.hpp"

namespace podshare {

void configure(caf::actor_system_config& cfg) {
  cfg.add_error_category(error_category, render_error);
}

} // namespace podshare
