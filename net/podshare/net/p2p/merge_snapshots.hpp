#pragma once

#include "podshare/bytes.hpp"

#include <caf/expected.hpp>

#include <vector>

namespace podshare::net {

/// Merges snapshots that several peers answered into one: for each key the
/// entry with the greatest version (last-write-wins, tombstones included).
/// One snapshot is returned as it is; undecodable ones are left out, and if
/// none decodes the first error is returned. The result is msgpack.
///
/// Why not just the freshest answer: after a partition each side's snapshot
/// holds writes the other lacks, and a store that refreshes from a single
/// answer may pick its own side's. The union under LWW holds the freshest
/// answer and everything else any peer knew.
caf::expected<bytes> merge_snapshots(std::vector<bytes> snapshots);

} // namespace podshare::net
