#pragma once

// The chat users connected to this pod, and how a message reaches a user
// connected anywhere: each user's socket claims the target `ws:<user>`, and
// a message for a user is a callreply call to whichever pod holds it.

#include "podshare/callreply/endpoint.hpp"
#include "podshare/net/http/websocket.hpp"

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

namespace ws_routing {

class router {
public:
  explicit router(podshare::callreply::endpoint& ep) : ep_(ep) {}

  /// The WebSocket route `/ws?user=NAME` of this pod.
  podshare::http::websocket_handlers handlers();

  /// Whether `name` may be a user: 1 to 64 of [A-Za-z0-9_-].
  static bool valid_user(std::string_view name);

private:
  using socket_ptr = std::shared_ptr<podshare::http::websocket>;

  void opened(const socket_ptr& ws);
  void message(const socket_ptr& ws, std::string_view text);
  void closed(const socket_ptr& ws);

  /// Writes a message for `user` to the user's socket on this pod.
  caf::expected<podshare::bytes> deliver(const std::string& user,
                                         const podshare::bytes& args);

  static std::string user_of(const socket_ptr& ws);

  podshare::callreply::endpoint& ep_;
  /// Held while a socket claims or gives up its user: a socket that opens
  /// as an older one of the same user closes keeps the claim.
  std::mutex claims_mtx_;
  std::mutex mtx_;
  /// The newest socket of each user connected here.
  std::map<std::string, socket_ptr> sockets_;
};

} // namespace ws_routing
