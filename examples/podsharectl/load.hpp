#pragma once

// podsharectl load: writes many keys from JSON lines, in the shape `watch`
// prints, so that a watch's output replays into another topic and a file
// seeds one.

#include "commands.hpp"

#include <nlohmann/json.hpp>

#include <cstddef>
#include <istream>
#include <optional>
#include <ostream>
#include <string>
#include <unordered_map>
#include <vector>

namespace podsharectl {

/// What `load` writes: for each key, what its last line said.
struct load_batch {
  std::unordered_map<std::string, nlohmann::json> sets;
  std::vector<std::string> deletes;
};

/// Reads JSON lines: {"key": K, "value": V} sets K to V, {"kind": "delete",
/// "key": K} deletes K, other fields are ignored and blank lines skipped.
/// Nothing on the first line that is neither, with its number and why in
/// `reason`: a bad file writes nothing.
std::optional<load_batch> parse_load(std::istream& in, std::string& reason);

/// Reads `name` (- for standard input) with `parse_load`; a usage error
/// naming the file and the line when it cannot.
outcome read_load_file(const std::string& name, load_batch& into);

/// Writes `batch` in batches of `batch_size` keys; prints
/// {"set": N, "deleted": M} once every batch was applied and handed to the
/// transport.
outcome load(json_store& s, const load_batch& batch, std::ostream& out,
             size_t batch_size = 1000);

} // namespace podsharectl
