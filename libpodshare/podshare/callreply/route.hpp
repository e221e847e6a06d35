#pragma once

#include "podshare/bytes.hpp"
#include "podshare/store_handle.hpp"
#include "podshare/version.hpp"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>

namespace podshare::callreply {

/// A route as the routing store holds it, encoded as a `write_item` value:
/// Go's `Route` JSON, `{"pod_id": …, "updated_at": RFC 3339}`.
bytes encode_route(const std::string& pod, int64_t now_ns);

/// The pod a route names; "" when `value` is not a route.
std::string route_owner(const nlohmann::json& value);

/// What the local replica of the routing store says of one target.
struct route_entry {
  /// "" when no pod claims the target.
  std::string owner;
  /// The version of the route (absent when none).
  podshare::version version;
};

/// Reads `target`'s route from `routing`'s replica.
route_entry read_route(const store_handle& routing, const std::string& target);

} // namespace podshare::callreply
