#pragma once

// podsharectl's callreply commands (docs/callreply.md): call a target's
// method on whichever pod owns it, or answer calls as a pod.

#include "exit_code.hpp"

#include "podshare/interfaces.hpp"
#include "podshare/options.hpp"

#include <caf/actor_system.hpp>

#include <atomic>
#include <cstddef>
#include <iosfwd>
#include <string>

namespace podsharectl {

/// What the callreply commands take from the command line.
struct call_args {
  std::string target;
  std::string method;
  /// `call`: the arguments, JSON.
  std::string json;
  /// `reply`: run this through `sh -c` per call, the arguments on its
  /// standard input, and answer its standard output; empty: echo.
  std::string command;
  /// `reply`: handlers running at once; a call beyond is answered busy.
  size_t max_handlers = 1024;
};

/// `call TARGET METHOD JSON`: prints the result (as JSON when it is JSON,
/// else as a JSON string); the exit code names the outcome.
outcome call(caf::actor_system& sys, podshare::transport_actor transport,
             const call_args& args, podshare::options opts,
             caf::timespan timeout, std::ostream& out);

/// `reply TARGET METHOD [--command CMD]`: answers calls until `stop`.
outcome reply(caf::actor_system& sys, podshare::transport_actor transport,
              const call_args& args, podshare::options opts,
              const std::atomic<bool>& stop);

} // namespace podsharectl
