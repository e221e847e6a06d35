#pragma once

#include "podshare/bytes.hpp"

#include <caf/expected.hpp>

namespace podshare::net::redis {

/// Joins the snapshot stored in Redis with the one a store wants to store:
/// per key the greater version wins (spec §3), so a store that missed
/// messages cannot erase a peer's writes from the shared snapshot by
/// overwriting it. The result is encoded in the wire format of `ours`; it is
/// `ours` itself when `stored` adds nothing. Fails when either does not
/// decode.
caf::expected<bytes> merge_snapshots(bytes stored, bytes ours);

} // namespace podshare::net::redis
