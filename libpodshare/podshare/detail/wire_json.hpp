#pragma once

#include "podshare/bytes.hpp"
#include "podshare/event.hpp"
#include "podshare/wire.hpp"

#include <caf/error.hpp>
#include <caf/expected.hpp>

#include <nlohmann/json_fwd.hpp>

#include <cstddef>
#include <cstdint>
#include <vector>

/// The JSON form of the wire envelope (spec §10), the one the Go podshare
/// speaks. `podshare/wire.hpp` dispatches here; nothing else should.
namespace podshare::detail {

/// The deepest nesting of arrays and objects that `parse_json` accepts. An
/// envelope needs three levels; the bound keeps recursive walks over
/// attacker-controlled documents (ours and user codecs') off the stack limit.
constexpr size_t max_json_depth = 128;

/// Whether `data` nests arrays and objects at most `max_json_depth` deep,
/// told without parsing, so that no parser builds a pathologically deep
/// tree. Exact for valid JSON; on invalid JSON the parser fails anyway.
bool depth_within_limit(const uint8_t* data, size_t size);

/// Parses one whole JSON document: leading and trailing whitespace only, no
/// trailing garbage, at most `max_json_depth` levels deep. Never throws.
/// @returns `ec::decode_failed` with a reason on malformed input.
caf::error parse_json(const uint8_t* data, size_t size, nlohmann::json& out);

/// Encodes one change as an event object, several as a batch (an array).
/// Field names and order are those of the spec; invalid UTF-8 in a key or
/// origin becomes U+FFFD, as Go's `encoding/json` does.
bytes encode_json_events(const std::vector<event>& changes);

/// Decodes a JSON event object or batch array.
caf::expected<std::vector<event>> decode_json_events(const uint8_t* data,
                                                     size_t size);

/// Writes a snapshot object an entry at a time: `begin`, `add` per entry
/// (`first` for the first one), `end` (with the version vector as `vv`
/// after the entries, unless empty).
void begin_json_snapshot(bytes& out);
void add_json_snapshot_entry(bytes& out, const wire::entry_view& x, bool first);
void end_json_snapshot(bytes& out, const std::vector<applied_writes>& applied);

/// Decodes a JSON snapshot object without building a document: entries in
/// the order of the text; of a key that occurs twice, the last counts (in
/// the place of the first), as of a field that occurs twice in an entry.
/// Its `vv` goes to `applied`.
caf::expected<std::vector<event>>
decode_json_snapshot(const uint8_t* data, size_t size,
                     std::vector<applied_writes>& applied);

} // namespace podshare::detail
