#pragma once

#include <caf/actor_clock.hpp>
#include <caf/error.hpp>
#include <caf/sec.hpp>

#include <cstdint>
#include <functional>
#include <map>
#include <optional>

namespace podshare::actors {

/// The deadlines of a store's broadcasts in flight.
///
/// A CAF 0.17 request with a timeout arms a timer on the clock thread and
/// cancels it when the answer comes: two wake-ups of another thread per
/// write, which cost more than the write itself (docs/performance.md). The
/// store sends its broadcasts without a timeout instead and keeps their
/// deadlines here, checked by one timer that is re-armed only when it fires.
class publish_deadlines {
public:
  using time_point = caf::actor_clock::time_point;

  /// What to do when the broadcast times out.
  using on_timeout = std::function<void(caf::error)>;

  /// Tracks a broadcast that must be answered by `deadline`; returns its id.
  uint64_t add(time_point deadline, on_timeout fail) {
    auto id = next_id_++;
    pending_.emplace(id, pending{deadline, std::move(fail)});
    return id;
  }

  /// The transport answered broadcast `id`: stops tracking it and hands back
  /// its failure handler, or nothing when it had timed out already and the
  /// answer must be ignored.
  std::optional<on_timeout> settle(uint64_t id) {
    auto i = pending_.find(id);
    if (i == pending_.end())
      return std::nullopt;
    auto fail = std::move(i->second.fail);
    pending_.erase(i);
    return fail;
  }

  /// Fails every broadcast whose deadline is not after `now`; returns the
  /// earliest deadline still pending.
  std::optional<time_point> expire(time_point now) {
    // Ids grow with deadlines (one timeout per store), so the overdue ones
    // are at the front.
    while (!pending_.empty() && pending_.begin()->second.deadline <= now) {
      auto fail = std::move(pending_.begin()->second.fail);
      pending_.erase(pending_.begin());
      fail(caf::make_error(caf::sec::request_timeout));
    }
    return next_deadline();
  }

  /// The earliest deadline pending, if any.
  std::optional<time_point> next_deadline() const {
    if (pending_.empty())
      return std::nullopt;
    return pending_.begin()->second.deadline;
  }

  /// Whether the store's check timer is running.
  bool armed = false;

private:
  struct pending {
    time_point deadline;
    on_timeout fail;
  };

  uint64_t next_id_ = 0;
  std::map<uint64_t, pending> pending_;
};

} // namespace podshare::actors
