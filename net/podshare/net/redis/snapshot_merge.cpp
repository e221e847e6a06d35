#include "podshare/net/redis/snapshot_merge.hpp"

#include "podshare/error.hpp"
#include "podshare/net/snapshot_join.hpp"

namespace podshare::net::redis {

caf::expected<bytes> merge_snapshots(const bytes& stored, const bytes& ours) {
  size_t undecodable = 0;
  auto joined = join_snapshots({ours, stored}, format_of(ours), &undecodable);
  if (joined && undecodable > 0)
    return caf::make_error(ec::decode_failed, "a snapshot does not decode");
  return joined;
}

} // namespace podshare::net::redis
