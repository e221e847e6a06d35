#pragma once

#include "commands.hpp"
#include "exit_code.hpp"
#include "transport_choice.hpp"

#include <caf/actor_system.hpp>

#include <atomic>
#include <string>

namespace podsharectl {

/// Stays a pod until `stop` turns true (SIGINT, SIGTERM). With `http`
/// (`HOST:PORT`), serves the pod's HTTP face meanwhile: `/metrics`,
/// `/healthz`, `/readyz`, `/api/status`, the store API and its page. The
/// pod is a member of the default presence topic meanwhile, named by its
/// node id (`podsharectl members` lists it).
outcome serve(caf::actor_system& sys, const transport_choice& transport,
              json_store& s, const std::string& http,
              const std::atomic<bool>& stop);

} // namespace podsharectl
