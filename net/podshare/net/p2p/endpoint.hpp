#pragma once

#include <caf/expected.hpp>

#include <cstdint>
#include <string>

namespace podshare::net {

/// A peer address, `host:port`.
struct endpoint {
  std::string host;
  uint16_t port = 0;
};

/// Parses `host:port` (IPv6 hosts in brackets: `[::1]:4000`). Fails with
/// `invalid_argument` on a missing host, a missing or non-numeric port, or a
/// port outside 1..65535.
caf::expected<endpoint> parse_endpoint(const std::string& text);

/// Formats `host:port`, bracketing hosts that contain a colon.
std::string to_string(const endpoint& x);

} // namespace podshare::net
