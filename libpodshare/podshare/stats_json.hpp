#pragma once

#include "podshare/stats.hpp"

#include <nlohmann/json.hpp>

namespace podshare {

/// A store's counters as one JSON object, keyed by the names of `stats`
/// (podsharectl's `stats`, the HTTP API's `/api/stats`).
void to_json(nlohmann::json& out, const stats& x);

} // namespace podshare
