#pragma once

#include "podshare/bytes.hpp"
#include "podshare/version.hpp"

#include <caf/error.hpp>
#include <caf/meta/type_name.hpp>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace podshare {

/// What a change did to a key.
enum class event_kind : uint8_t {
  set = 0,
  erase = 1,
};

/// Returns `"set"` or `"delete"`, the names used on the wire.
const char* to_string(event_kind kind);

/// Parses a kind's wire name; `unknown_message_kind` for any other text.
caf::error from_string(std::string_view text, event_kind& kind);

/// One change applied to the local replica, as watchers see it.
struct event {
  event_kind kind = event_kind::set;
  std::string key;
  /// The value as its codec encoded it; empty for deletes. With a merger this
  /// is the merged value that the store now holds.
  podshare::bytes value;
  /// The decoded value, shared by every watcher of the event; null for
  /// deletes and for events that crossed a process boundary.
  std::shared_ptr<const void> decoded;
  /// The version the change carried (origin, timestamp, seq).
  podshare::version version;
};

/// Two events are equal when they describe the same change: `decoded` is a
/// cache of `value` and takes no part.
inline bool operator==(const event& x, const event& y) {
  return x.kind == y.kind && x.key == y.key && x.value == y.value
         && x.version == y.version;
}

inline bool operator!=(const event& x, const event& y) {
  return !(x == y);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, event& x) {
  // The decoded value is process-local; a receiver decodes `value` itself.
  return f(caf::meta::type_name("event"), x.kind, x.key, x.value, x.version);
}

} // namespace podshare
