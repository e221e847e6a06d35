#include "podshare/coord/rendezvous.hpp"

#include <algorithm>
#include <utility>

namespace podshare::coord {

namespace {

constexpr uint64_t fnv_prime = 0x100000001b3ULL;

// The finaliser of splitmix64: FNV-1a alone leaves names that differ in
// their last byte with weights that differ mostly in their low bits.
uint64_t mix(uint64_t x) noexcept {
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ULL;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebULL;
  x ^= x >> 31;
  return x;
}

uint64_t fnv1a_byte(uint64_t state, uint8_t byte) noexcept {
  return (state ^ byte) * fnv_prime;
}

} // namespace

uint64_t fnv1a(std::string_view data, uint64_t state) noexcept {
  for (auto c : data)
    state = fnv1a_byte(state, static_cast<uint8_t>(c));
  return state;
}

uint32_t partition_of(std::string_view tenant, std::string_view entity,
                      uint32_t partitions) noexcept {
  auto h = fnv1a(entity, fnv1a_byte(fnv1a(tenant), 0));
  return static_cast<uint32_t>(h % (partitions == 0 ? 1 : partitions));
}

uint64_t rendezvous_weight(std::string_view member,
                           uint32_t partition) noexcept {
  auto h = fnv1a_byte(fnv1a(member), 0);
  for (int shift = 24; shift >= 0; shift -= 8)
    h = fnv1a_byte(h, static_cast<uint8_t>(partition >> shift));
  return mix(h);
}

std::string rendezvous_owner(uint32_t partition,
                             const std::vector<std::string>& live) {
  const std::string* best = nullptr;
  uint64_t best_weight = 0;
  for (auto& member : live) {
    auto w = rendezvous_weight(member, partition);
    if (best == nullptr || w > best_weight
        || (w == best_weight && member < *best)) {
      best = &member;
      best_weight = w;
    }
  }
  return best != nullptr ? *best : std::string{};
}

std::vector<std::string> assign(const std::vector<std::string>& live,
                                uint32_t partitions) {
  std::vector<std::string> result;
  if (live.empty())
    return result;
  // The members sorted by name, so that the order `live` came in does not
  // matter; the rank of each for the partition at hand.
  auto members = live;
  std::sort(members.begin(), members.end());
  members.erase(std::unique(members.begin(), members.end()), members.end());
  auto cap = (partitions + members.size() - 1) / members.size();
  std::vector<size_t> load(members.size(), 0);
  std::vector<std::pair<uint64_t, size_t>> ranked(members.size());
  result.reserve(partitions);
  for (uint32_t p = 0; p < partitions; ++p) {
    for (size_t i = 0; i < members.size(); ++i)
      ranked[i] = {rendezvous_weight(members[i], p), i};
    // Highest weight first; on a tie the smaller name (lower index).
    std::sort(ranked.begin(), ranked.end(), [](auto& x, auto& y) {
      return x.first != y.first ? x.first > y.first : x.second < y.second;
    });
    for (auto& [weight, i] : ranked) {
      if (load[i] < cap) {
        ++load[i];
        result.push_back(members[i]);
        break;
      }
    }
  }
  return result;
}

std::string owner(uint32_t partition, const std::vector<std::string>& live,
                  uint32_t partitions) {
  if (partition >= partitions || live.empty())
    return {};
  return assign(live, partitions)[partition];
}

std::vector<uint32_t> owned_partitions(std::string_view self,
                                       const std::vector<std::string>& live,
                                       uint32_t partitions) {
  std::vector<uint32_t> result;
  auto owners = assign(live, partitions);
  for (uint32_t p = 0; p < owners.size(); ++p)
    if (owners[p] == self)
      result.push_back(p);
  return result;
}

} // namespace podshare::coord
