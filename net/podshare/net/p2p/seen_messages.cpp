#include "podshare/net/p2p/seen_messages.hpp"

#include <algorithm>

namespace podshare::net::p2p {

bool seen_messages::origin_state::test(uint64_t seq) const {
  auto i = seq % window;
  return (bits[i / 64] >> (i % 64)) & 1U;
}

void seen_messages::origin_state::set(uint64_t seq) {
  auto i = seq % window;
  bits[i / 64] |= uint64_t{1} << (i % 64);
}

void seen_messages::origin_state::clear(uint64_t seq) {
  auto i = seq % window;
  bits[i / 64] &= ~(uint64_t{1} << (i % 64));
}

bool seen_messages::first_time(std::string_view origin, uint64_t incarnation,
                               uint64_t seq) {
  auto i = std::find_if(origins_.begin(), origins_.end(),
                        [&](auto& entry) { return entry.first == origin; });
  if (i == origins_.end())
    i = origins_.emplace(origins_.end(), std::string{origin}, origin_state{});
  auto& x = i->second;
  if (x.bits.empty() || incarnation > x.incarnation) {
    x.incarnation = incarnation;
    x.floor = 0;
    x.bits.assign(window / 64, 0);
  } else if (incarnation < x.incarnation) {
    return false;
  }
  if (seq <= x.floor)
    return false;
  if (seq > x.floor + window) {
    // Too far ahead: give up on the oldest seqs so that `seq` fits.
    auto new_floor = seq - window;
    if (new_floor - x.floor >= window)
      x.bits.assign(window / 64, 0);
    else
      for (auto s = x.floor + 1; s <= new_floor; ++s)
        x.clear(s);
    x.floor = new_floor;
  }
  if (x.test(seq))
    return false;
  x.set(seq);
  while (x.test(x.floor + 1)) {
    x.clear(x.floor + 1);
    ++x.floor;
  }
  return true;
}

} // namespace podshare::net::p2p
