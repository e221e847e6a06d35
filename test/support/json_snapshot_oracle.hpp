#pragma once

#include "podshare/bytes.hpp"
#include "podshare/event.hpp"
#include "podshare/wire.hpp"

#include <caf/expected.hpp>

#include <cstddef>
#include <cstdint>
#include <vector>

/// The JSON snapshot codec as it was before it streamed: a whole nlohmann
/// document per snapshot. Kept as the oracle the streaming codec is checked
/// against (libpodshare.wire_json_snapshot, the wire fuzzer): both must
/// accept and reject the same inputs, with the same reasons, and write the
/// same bytes.
namespace podshare::test {

bytes encode_json_snapshot_dom(const std::vector<wire::entry_view>& entries);

/// Entries in key order (the document's object is a sorted map); the
/// version vector into `applied`.
caf::expected<std::vector<event>>
decode_json_snapshot_dom(const uint8_t* data, size_t size,
                         std::vector<applied_writes>& applied);

} // namespace podshare::test
