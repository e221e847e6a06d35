#pragma once

#include "podshare/event.hpp"
#include "podshare/wire.hpp"

#include <caf/error.hpp>

#include <cstddef>
#include <functional>
#include <utility>
#include <vector>

namespace podshare::actors {

/// Local writes waiting for their broadcast (group commit). With msgpack on
/// the wire a store keeps one broadcast in flight: the writes it commits
/// meanwhile wait here and leave together, as one batch, once the transport
/// answers. A write at low load leaves at once; under load one message
/// carries many writes, and the transport and the peers handle one message
/// instead of many. A group that reaches `max_group_bytes` leaves without
/// waiting, so a slow transport never makes one message grow without bound.
class broadcast_queue {
public:
  /// Tells a write how its broadcast went: no error, or why it failed.
  using on_done = std::function<void(const caf::error&)>;

  /// Writes leaving as one broadcast.
  struct group {
    bytes payload;
    std::vector<on_done> writes;
  };

  /// The encoded size at which waiting writes leave even while another
  /// group is in flight, far below what receivers refuse (the Redis
  /// transport's `max_message_bytes` is 64 MiB by default).
  static constexpr size_t max_group_bytes = size_t{256} * 1024;

  /// Encodes one change of a write that `wait` will register.
  void add(const event& change) { outbox_.add(change); }

  /// Registers a write whose changes were added.
  void wait(on_done done) { waiting_.push_back(std::move(done)); }

  /// Whether waiting writes should leave now: nothing is in flight, or
  /// they fill a group.
  bool ready() const noexcept {
    return !waiting_.empty()
           && (in_flight == 0 || outbox_.byte_size() >= max_group_bytes);
  }

  /// Takes every waiting write as one group and counts it in flight.
  group take() {
    ++in_flight;
    group result{outbox_.take(), std::move(waiting_)};
    waiting_.clear();
    return result;
  }

  /// Groups sent and not yet ended: counted by `take`, counted down by the
  /// store when the transport answers or the deadline passes.
  unsigned in_flight = 0;

private:
  wire::msgpack_outbox outbox_;
  std::vector<on_done> waiting_;
};

} // namespace podshare::actors
