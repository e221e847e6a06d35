#pragma once

#include "podshare/event.hpp"
#include "podshare/wire.hpp"

#include <caf/actor_clock.hpp>
#include <caf/error.hpp>

#include <functional>
#include <utility>
#include <vector>

namespace podshare::actors {

/// Local writes waiting for their broadcast (group commit). With msgpack on
/// the wire a store keeps one broadcast in flight: the writes it commits
/// meanwhile wait here and leave together, as one batch, once the transport
/// answers. A write at low load leaves at once; under load one message
/// carries many writes, and the transport and the peers handle one message
/// instead of many.
class broadcast_queue {
public:
  using time_point = caf::actor_clock::time_point;

  /// Tells a write how its broadcast went: no error, or why it failed.
  using on_done = std::function<void(const caf::error&)>;

  /// Writes leaving as one broadcast.
  struct group {
    bytes payload;
    std::vector<on_done> writes;
    /// When the first of the writes was queued: the broadcast's deadline
    /// counts from here, so no write waits longer than one timeout.
    time_point since;
  };

  /// Encodes one change of a write that `wait` will register.
  void add(const event& change) { outbox_.add(change); }

  /// Registers a write whose changes were added, queued at `now`.
  void wait(on_done done, time_point now) {
    if (waiting_.empty())
      since_ = now;
    waiting_.push_back(std::move(done));
  }

  /// Whether writes wait and nothing is in flight.
  bool ready() const noexcept { return !in_flight && !waiting_.empty(); }

  /// Takes every waiting write as one group and marks it in flight.
  group take() {
    in_flight = true;
    group result{outbox_.take(), std::move(waiting_), since_};
    waiting_.clear();
    return result;
  }

  /// A group is in flight: set by `take`, cleared by the store when the
  /// transport answers or the deadline passes.
  bool in_flight = false;

private:
  wire::msgpack_outbox outbox_;
  std::vector<on_done> waiting_;
  time_point since_;
};

} // namespace podshare::actors
