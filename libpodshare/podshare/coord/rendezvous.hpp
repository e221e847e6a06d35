#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

/// Partitions and their owners by rendezvous (highest random weight)
/// hashing: every process that sees the same live members computes the same
/// owner for every partition, with no message. docs/coordination.md gives
/// the exact bytes hashed, so other languages can compute the same.
namespace podshare::coord {

/// The partitions of a keyspace unless a caller picks another count.
constexpr uint32_t default_partitions = 256;

/// 64-bit FNV-1a of `data`, continuing from `state` (the offset basis by
/// default).
uint64_t fnv1a(std::string_view data,
               uint64_t state = 0xcbf29ce484222325ULL) noexcept;

/// The partition of (`tenant`, `entity`): FNV-1a of the tenant, a zero
/// byte and the entity, modulo `partitions` (at least 1).
uint32_t partition_of(std::string_view tenant, std::string_view entity,
                      uint32_t partitions = default_partitions) noexcept;

/// The weight of `member` for `partition`: FNV-1a of the member's name, a
/// zero byte and the partition as 4 bytes big-endian, then mixed so that
/// similar names get unrelated weights.
uint64_t rendezvous_weight(std::string_view member,
                           uint32_t partition) noexcept;

/// Plain rendezvous hashing: the member of `live` with the highest weight
/// for `partition` (the smaller name on a tie), "" when `live` is empty.
/// Each partition is decided alone, so removing a member moves exactly its
/// partitions, but shares are only as even as chance makes them: with 10
/// members, one in about 25 sets of names leaves some member above 1.5× or
/// under 0.5× its share of 256 partitions.
std::string rendezvous_owner(uint32_t partition,
                             const std::vector<std::string>& live);

/// The balanced assignment of `partitions` partitions to `live` (any
/// order): partition by partition, ascending, each goes to the member of
/// highest weight that holds fewer than ⌈partitions / members⌉. No share is
/// above that cap, so none is more than one partition above the mean; the
/// members that fill last share the shortfall. Removing a member moves its
/// partitions plus a few percent more (docs/coordination.md has the
/// figures). Empty when `live` is.
std::vector<std::string> assign(const std::vector<std::string>& live,
                                uint32_t partitions = default_partitions);

/// The owner of `partition` in the balanced assignment; "" when none.
std::string owner(uint32_t partition, const std::vector<std::string>& live,
                  uint32_t partitions = default_partitions);

/// The partitions `self` owns in the balanced assignment, ascending.
std::vector<uint32_t>
owned_partitions(std::string_view self, const std::vector<std::string>& live,
                 uint32_t partitions = default_partitions);

} // namespace podshare::coord
