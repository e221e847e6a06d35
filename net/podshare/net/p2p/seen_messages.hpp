#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace podshare::net::p2p {

/// Which published messages a pod has already taken, per origin: what lets
/// a relaying mesh drop the second copy of a message that reached it by two
/// paths, and a message sent again after a connection changed.
class seen_messages {
public:
  /// Seqs tracked above the highest contiguous one, per origin.
  static constexpr uint64_t window = 65536;

  /// Whether (origin, incarnation, seq) is new, marking it seen. A greater
  /// incarnation starts the origin afresh (it restarted); a smaller one is
  /// an old process's message and counts as seen. A seq more than `window`
  /// beyond the highest contiguous one moves the window, so that seqs left
  /// behind count as seen.
  bool first_time(std::string_view origin, uint64_t incarnation, uint64_t seq);

  /// Origins tracked.
  size_t origins() const noexcept { return origins_.size(); }

private:
  struct origin_state {
    uint64_t incarnation = 0;
    /// Every seq up to here was seen.
    uint64_t floor = 0;
    /// Seqs in (floor, floor + window], one bit each at seq % window.
    std::vector<uint64_t> bits;

    bool test(uint64_t seq) const;
    void set(uint64_t seq);
    void clear(uint64_t seq);
  };

  // Few origins (one per pod of the mesh), looked up by a view of the
  // frame's bytes: a linear search allocates nothing.
  std::vector<std::pair<std::string, origin_state>> origins_;
};

} // namespace podshare::net::p2p
