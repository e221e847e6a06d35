#include "podshare/net/redis/snapshot_merge.hpp"

#include "podshare/error.hpp"
#include "podshare/snapshot_join.hpp"

#include <utility>
#include <vector>

namespace podshare::net::redis {

caf::expected<bytes> merge_snapshots(bytes stored, bytes ours) {
  size_t undecodable = 0;
  auto fmt = wire::format_of(ours.data(), ours.size());
  std::vector<bytes> both;
  both.push_back(std::move(ours));
  both.push_back(std::move(stored));
  auto joined = join_snapshots(
    std::move(both), fmt.value_or(wire::format::msgpack), &undecodable);
  if (joined && undecodable > 0)
    return caf::make_error(ec::decode_failed, "a snapshot does not decode");
  return joined;
}

} // namespace podshare::net::redis
