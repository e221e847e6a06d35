#include "podshare/net/redis/options.hpp"

#include "podshare/error.hpp"

#include <charconv>

namespace podshare::net {

namespace {

caf::error bad_url(std::string_view url, std::string_view why) {
  return caf::make_error(ec::invalid_argument, "redis URL '" + std::string{url}
                                                 + "': " + std::string{why});
}

template <class Int>
bool parse_int(std::string_view text, Int& out) {
  auto last = text.data() + text.size();
  auto [end, err] = std::from_chars(text.data(), last, out);
  return err == std::errc{} && end == last && !text.empty();
}

} // namespace

caf::expected<redis_options> redis_options::from_url(std::string_view url) {
  constexpr std::string_view scheme = "redis://";
  if (url.substr(0, 9) == "rediss://")
    return bad_url(url, "TLS (rediss://) is not supported: Debian's hiredis "
                        "0.14 has no TLS");
  if (url.substr(0, scheme.size()) != scheme)
    return bad_url(url, "expected redis://[:password@]host[:port][/db]");
  redis_options result;
  auto rest = url.substr(scheme.size());
  if (auto at = rest.rfind('@'); at != std::string_view::npos) {
    auto userinfo = rest.substr(0, at);
    rest = rest.substr(at + 1);
    // Redis 6 ACL users are not supported; `user:` with an empty user is
    // the classic AUTH password form.
    auto colon = userinfo.find(':');
    if (colon == std::string_view::npos)
      return bad_url(url, "a password must follow ':' (redis://:pw@host)");
    if (colon != 0)
      return bad_url(url, "ACL user names are not supported, only AUTH with "
                          "a password");
    result.password = std::string{userinfo.substr(colon + 1)};
  }
  auto slash = rest.find('/');
  auto hostport = rest.substr(0, slash);
  if (slash != std::string_view::npos) {
    auto db = rest.substr(slash + 1);
    if (!db.empty() && (!parse_int(db, result.database) || result.database < 0))
      return bad_url(url, "the database must be a non-negative number");
  }
  // Host and port: `host`, `host:port`, `[v6]` or `[v6]:port`.
  std::string_view host = hostport;
  std::string_view port;
  if (!hostport.empty() && hostport.front() == '[') {
    auto close = hostport.find(']');
    if (close == std::string_view::npos)
      return bad_url(url, "unterminated [IPv6] host");
    host = hostport.substr(1, close - 1);
    auto after = hostport.substr(close + 1);
    if (!after.empty() && after.front() != ':')
      return bad_url(url, "unexpected text after ]");
    if (!after.empty())
      port = after.substr(1);
  } else if (auto colon = hostport.rfind(':');
             colon != std::string_view::npos) {
    host = hostport.substr(0, colon);
    port = hostport.substr(colon + 1);
  }
  if (!port.empty() && (!parse_int(port, result.port) || result.port == 0))
    return bad_url(url, "the port must be a number from 1 to 65535");
  if (host.empty())
    return bad_url(url, "missing host");
  result.host = std::string{host};
  return result;
}

std::string redis_options::channel(std::string_view topic) const {
  return prefix + ":" + std::string{topic} + ":events";
}

std::string redis_options::snapshot_key(std::string_view topic) const {
  return prefix + ":" + std::string{topic} + ":snapshot";
}

caf::error redis_options::validate() const {
  auto invalid = [](const std::string& why) {
    return caf::make_error(ec::invalid_argument, "redis transport: " + why);
  };
  if (tls)
    return invalid("TLS is not supported: Debian's hiredis 0.14 has no TLS; "
                   "use a TLS tunnel (stunnel, spiped) to reach the server");
  if (host.empty())
    return invalid("empty host");
  if (port == 0)
    return invalid("port 0");
  if (database < 0)
    return invalid("negative database");
  if (prefix.empty())
    return invalid("empty prefix");
  if (connect_timeout <= caf::timespan{0})
    return invalid("connect_timeout must be positive");
  if (reconnect_min <= caf::timespan{0} || reconnect_max < reconnect_min)
    return invalid("need 0 < reconnect_min <= reconnect_max");
  if (max_message_bytes == 0)
    return invalid("max_message_bytes must be positive");
  if (ingest_budget == 0)
    return invalid("ingest_budget must be positive");
  return caf::none;
}

} // namespace podshare::net
