#pragma once

#include <cstdint>
#include <string>

#include <caf/error.hpp>
// CAF_ERROR_CODE_ENUM's context factory calls make_message on a complete
// caf::message.
#include <caf/make_message.hpp>
#include <caf/message.hpp>

namespace podshare {

/// Error codes of podshare, wired into `caf::error` under the category
/// `podshare`.
enum class ec : uint8_t {
  /// Not an error.
  none = 0,
  /// The store is closed: writes are refused, reads keep working.
  closed = 1,
  /// The local write stands, but handing it to the transport failed.
  broadcast_failed = 2,
  /// `seed` found an entry already in the store.
  seed_on_non_empty_store = 3,
  /// A value or message could not be encoded.
  encode_failed = 4,
  /// A value or message could not be decoded.
  decode_failed = 5,
  /// A peer speaks a newer protocol version than ours.
  unsupported_protocol_version = 6,
  /// An operation did not finish within its deadline.
  timeout = 7,
  /// An argument is out of its domain (empty topic, missing transport, …).
  invalid_argument = 8,
  /// The transport is closed or gone.
  transport_closed = 9,
  /// A message names a kind this protocol version does not know.
  unknown_message_kind = 10,
  /// A peer's timestamp is further from our clock than the skew limit.
  clock_skew = 11,
  /// `try_set` found a version other than the expected one.
  version_mismatch = 12,
  /// Persisting or loading a snapshot failed.
  snapshot_failed = 13,
  /// A watcher's buffer was full and the watcher was dropped.
  watcher_dropped = 14,
  /// The transport refused or failed an operation.
  transport_failed = 15,
  /// Another pod folded this writer's counter slot, judging it dead: what
  /// it counts under that slot would be ignored (docs/coordination.md).
  writer_folded = 16,
  // -- the outcomes of a callreply call (docs/callreply.md) --
  /// No pod claims the call's target.
  no_route = 17,
  /// The owner has no handler for the target and method.
  no_handler = 18,
  /// The owner's handler slots were all taken: it answered at once.
  busy = 19,
  /// Nobody listens on the owner's inbox (the owner is gone or cut off).
  unreachable = 20,
  /// The handler failed; the error carries its text.
  handler_error = 21,
  /// A transport fell behind its source beyond its ingest budget and the
  /// source cut it off: messages were lost, and the stores resync.
  ingest_overrun = 22,
};

/// Returns the name of `code`, e.g. `"broadcast_failed"`.
const char* to_string(ec code);

/// The error category atom under which `ec` values travel in `caf::error`.
constexpr caf::atom_value error_category = caf::atom("podshare");

/// Renders a podshare error; `configure(cfg)` registers it with CAF, so that
/// `sys.render(err)` names podshare's codes.
std::string render_error(uint8_t code, caf::atom_value category,
                         const caf::message& context);

/// Describes any error in one line, rendering podshare's own codes by name.
std::string describe(const caf::error& err);

/// An error's own words: the text it carries, or `describe(err)` when it
/// carries none; for passing a reason on inside another message.
std::string reason_of(const caf::error& err);

} // namespace podshare

CAF_ERROR_CODE_ENUM(podshare::ec, "podshare")
