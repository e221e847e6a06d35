#include "podshare/net/p2p/endpoint.hpp"

#include "podshare/error.hpp"

#include <cctype>

namespace podshare::net {

caf::expected<endpoint> parse_endpoint(const std::string& text) {
  auto bad = [&](const char* why) {
    return caf::make_error(ec::invalid_argument,
                           "bad peer endpoint '" + text + "': " + why);
  };
  auto colon = text.rfind(':');
  if (colon == std::string::npos)
    return bad("expected host:port");
  auto host = text.substr(0, colon);
  auto port = text.substr(colon + 1);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']')
    host = host.substr(1, host.size() - 2);
  else if (host.find(':') != std::string::npos)
    return bad("IPv6 hosts go in brackets");
  if (host.empty())
    return bad("missing host");
  if (port.empty() || port.size() > 5)
    return bad("missing or overlong port");
  uint32_t value = 0;
  for (auto c : port) {
    if (!std::isdigit(static_cast<unsigned char>(c)))
      return bad("port is not a number");
    value = value * 10 + static_cast<uint32_t>(c - '0');
  }
  if (value == 0 || value > 65535)
    return bad("port outside 1..65535");
  return endpoint{host, static_cast<uint16_t>(value)};
}

std::string to_string(const endpoint& x) {
  auto port = std::to_string(x.port);
  if (x.host.find(':') != std::string::npos)
    return "[" + x.host + "]:" + port;
  return x.host + ":" + port;
}

} // namespace podshare::net
