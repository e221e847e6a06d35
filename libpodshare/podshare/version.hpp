#pragma once

#include <cstdint>
#include <string>
#include <tuple>

#include <caf/meta/type_name.hpp>

namespace podshare {

/// The version of an entry: who wrote it, when, and as which of the writer's
/// writes. Versions are totally ordered; the greater one wins (spec §3).
struct version {
  /// Nanoseconds since the Unix epoch (UTC), from a hybrid logical clock.
  int64_t timestamp = 0;
  /// The node id of the writing store.
  std::string origin;
  /// The writer's per-store write counter, starting at 1.
  uint64_t seq = 0;
  /// Which opening of the writing store: random per open, so that a store
  /// reopened under the same node id (whose seq starts at 1 again) is told
  /// apart from its earlier life. Zero when unknown (the Go podshare sends
  /// none). Names a write together with origin and seq (`write_token`);
  /// takes no part in last-write-wins order or equality.
  uint64_t incarnation = 0;

  /// Returns whether this is the "absent" version of a missing key.
  bool absent() const noexcept {
    return timestamp == 0 && seq == 0 && origin.empty();
  }
};

/// Last-write-wins order: timestamp, then byte-wise origin, then seq.
inline bool operator<(const version& x, const version& y) {
  return std::tie(x.timestamp, x.origin, x.seq)
         < std::tie(y.timestamp, y.origin, y.seq);
}

inline bool operator==(const version& x, const version& y) {
  return x.timestamp == y.timestamp && x.seq == y.seq && x.origin == y.origin;
}

inline bool operator!=(const version& x, const version& y) {
  return !(x == y);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, version& x) {
  return f(caf::meta::type_name("version"), x.timestamp, x.origin, x.seq,
           x.incarnation);
}

} // namespace podshare
