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
