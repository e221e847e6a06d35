#pragma once

#include "podshare/bytes.hpp"
#include "podshare/wire.hpp"

#include <caf/expected.hpp>

#include <vector>

namespace podshare {

/// Joins snapshots from several sources (peers' answers, the one stored in
/// Redis and ours) into one: per key the entry with the greatest version
/// (spec §3, tombstones included); on equal versions the earlier snapshot in
/// `snapshots` wins. Snapshots that do not decode are left out and counted in
/// `undecodable`; when none decodes, the first error. The result is encoded
/// in `fmt`, except that when one snapshot holds the join already it is
/// returned as it is.
///
/// Why a join and not the freshest snapshot: after a partition or a lost
/// message each source holds writes the others lack.
caf::expected<bytes> join_snapshots(std::vector<bytes> snapshots,
                                    wire::format fmt,
                                    size_t* undecodable = nullptr);

} // namespace podshare
