#pragma once

#include "podshare/net/p2p/interfaces.hpp"

#include <cstddef>
#include <deque>
#include <vector>

namespace podshare::net {

/// The messages waiting for one peer while a batch is on its way: bounded,
/// so that a peer that cannot keep up costs a drop, not unbounded memory.
class outbound_queue {
public:
  explicit outbound_queue(size_t capacity) : capacity_(capacity) {}

  /// Appends `x`; returns false (and keeps nothing) when the queue is full.
  bool push(p2p_message x) {
    if (items_.size() >= capacity_)
      return false;
    items_.push_back(std::move(x));
    return true;
  }

  /// Takes up to `max` messages from the front, in order.
  std::vector<p2p_message> take(size_t max) {
    auto n = std::min(max, items_.size());
    std::vector<p2p_message> out;
    out.reserve(n);
    for (size_t i = 0; i < n; ++i) {
      out.push_back(std::move(items_.front()));
      items_.pop_front();
    }
    return out;
  }

  bool empty() const { return items_.empty(); }

  size_t size() const { return items_.size(); }

private:
  size_t capacity_;
  std::deque<p2p_message> items_;
};

} // namespace podshare::net
