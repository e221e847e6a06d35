#pragma once

#include <algorithm>
#include <cstdint>
#include <functional>

namespace podshare {

/// A source of wall-clock time in nanoseconds since the Unix epoch.
using wall_clock = std::function<int64_t()>;

/// Returns the system clock as a `wall_clock`.
wall_clock system_wall_clock();

/// A hybrid logical clock (spec §3): `max(wall now, last seen or issued + 1)`.
/// A write stamped after this clock has seen a timestamp therefore always
/// supersedes it, even when a peer's clock runs ahead of ours.
class hybrid_clock {
public:
  explicit hybrid_clock(wall_clock wall) : wall_(std::move(wall)) {}

  /// Issues a timestamp for a local write.
  int64_t issue() {
    last_ = std::max(wall_(), last_ + 1);
    return last_;
  }

  /// Makes later timestamps exceed `timestamp`, seen on a peer's write.
  void observe(int64_t timestamp) { last_ = std::max(last_, timestamp); }

  /// Reads the wall clock without advancing the logical clock.
  int64_t wall_now() const { return wall_(); }

private:
  wall_clock wall_;
  int64_t last_ = 0;
};

} // namespace podshare
