#pragma once

// podsharectl's commands on an open store of JSON documents. Each writes its
// output to a stream and returns an exit code with a reason, so that tests
// run them in-process as well as through the binary.

#include "exit_code.hpp"

#include "podshare/codec.hpp"
#include "podshare/store.hpp"
#include "podshare/watch.hpp"

#include <nlohmann/json.hpp>

#include <atomic>
#include <cstdint>
#include <functional>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>

namespace podsharectl {

/// The store podsharectl opens: JSON documents as values, in the JSON codec.
using json_store
  = podshare::store<nlohmann::json, podshare::json_codec<nlohmann::json>>;

/// Parses a value given on the command line; nothing for invalid JSON, with
/// the parser's reason in `reason`.
std::optional<nlohmann::json> parse_value(const std::string& text,
                                          std::string& reason);

/// Prints the live value of `key` as one JSON line; `absent` if there is
/// none.
outcome get(const json_store& s, const std::string& key, std::ostream& out);

/// Writes `value` under `key`; prints the write token to `token_out`, if
/// given, for `--wait-for` on another pod.
outcome set(json_store& s, const std::string& key, const nlohmann::json& value,
            std::ostream* token_out = nullptr);

/// Deletes `key`.
outcome del(json_store& s, const std::string& key);

/// Prints the live keys with `from <= key < to` (no upper bound when `to`
/// is empty), in key order, one a line.
outcome keys(const json_store& s, std::string_view from, std::string_view to,
             std::ostream& out);

/// Prints the live entries with `from <= key < to` (no upper bound when `to`
/// is empty), in key order, as JSON lines {"key","value"}: the shape `load`
/// reads.
outcome entries(const json_store& s, std::string_view from, std::string_view to,
                std::ostream& out);

/// Prints one JSON object: key -> {value, timestamp, origin, seq[,
/// tombstone]}, tombstones only if `tombstones`.
outcome dump(const json_store& s, bool tombstones, std::ostream& out);

/// How a watch ends.
struct watch_limits {
  /// Stop after this many events; none: no limit.
  std::optional<uint64_t> count;
  /// Stop after this long; none: no limit. Reaching it before `count`
  /// events is a `timeout`; without a count it is the normal end.
  std::optional<caf::timespan> timeout;
  /// Set from a signal handler: stop now (a normal end).
  const std::atomic<bool>* stop = nullptr;
  /// Called once the store has the watch: every event applied from then on
  /// is seen.
  std::function<void()> on_watching;
};

/// Prints one JSON line per event matching `filter`:
/// {"kind","key","value","origin","timestamp"}.
outcome watch(json_store& s, podshare::watch_filter filter,
              const watch_limits& limits, std::ostream& out);

/// Prints the store's counters as one JSON object.
outcome stats(const json_store& s, std::ostream& out);

/// Maps a store error to podsharectl's exit codes.
outcome failure(const caf::error& err);

} // namespace podsharectl
