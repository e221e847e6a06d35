#pragma once

// What podsharectl reports: an exit code and, for failures, a one-line
// reason printed to stderr.

#include <string>
#include <utility>

namespace podsharectl {

/// podsharectl's exit codes (docs/podsharectl.md).
enum class exit_code : int {
  ok = 0,
  /// `get` found no live value.
  absent = 1,
  /// Bad flags, arguments or JSON.
  usage = 2,
  /// The transport failed: unreachable, refused, not available.
  transport = 3,
  /// A deadline (`--timeout`) passed first.
  timeout = 4,
  // -- the outcomes of `call` (docs/callreply.md) --
  /// No pod claims the target.
  no_route = 5,
  /// The owner has no handler for the method.
  no_handler = 6,
  /// The owner's handler slots were all taken.
  busy = 7,
  /// Nobody listens on the owner's inbox.
  unreachable = 8,
  /// The handler failed; its text is the reason.
  handler_error = 9,
  /// The owner closed while the call ran.
  closed = 10,
};

/// The end of a command.
struct outcome {
  exit_code code = exit_code::ok;
  /// Why, for every code but `ok` and `absent`; empty otherwise.
  std::string reason;

  static outcome ok() { return {}; }

  static outcome fail(exit_code code, std::string reason) {
    return {code, std::move(reason)};
  }
};

} // namespace podsharectl
