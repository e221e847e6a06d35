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

  /// Ends a broadcast: with no error when the transport took it, or why
  /// it failed (a timeout when the deadline passed first).
  using on_done = std::function<void(caf::error)>;

  /// Tracks a broadcast that must be answered by `deadline`; returns its id.
  uint64_t add(time_point deadline, on_done done) {
    auto id = next_id_++;
    pending_.emplace(id, pending{deadline, std::move(done)});
    return id;
  }

  /// The transport answered broadcast `id`: stops tracking it and hands back
  /// its handler for the answer, or nothing when it had timed out already
  /// and the answer must be ignored.
  std::optional<on_done> settle(uint64_t id) {
    auto i = pending_.find(id);
    if (i == pending_.end())
      return std::nullopt;
    auto done = std::move(i->second.done);
    pending_.erase(i);
    return done;
  }

  /// Fails every broadcast whose deadline is not after `now`; returns the
  /// earliest deadline still pending.
  std::optional<time_point> expire(time_point now) {
    // Ids grow with deadlines (one timeout per store), so the overdue ones
    // are at the front.
    while (!pending_.empty() && pending_.begin()->second.deadline <= now) {
      auto done = std::move(pending_.begin()->second.done);
      pending_.erase(pending_.begin());
      done(caf::make_error(caf::sec::request_timeout));
    }
    return next_deadline();
  }

  /// Whether no broadcast is pending.
  bool empty() const noexcept { return pending_.empty(); }

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
    on_done done;
  };

  uint64_t next_id_ = 0;
  std::map<uint64_t, pending> pending_;
};

} // namespace podshare::actors
