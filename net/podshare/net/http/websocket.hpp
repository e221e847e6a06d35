#pragma once

#include "podshare/net/http/server.hpp"

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

struct mg_connection;

namespace podshare::http {

/// One WebSocket connection of the server. The server's threads hand it to
/// the route's handlers; any thread may `send` on it, until it closed.
class websocket {
public:
  websocket(mg_connection* conn, request opened_with, uint64_t id)
    : conn_(conn), request_(std::move(opened_with)), id_(id) {}

  websocket(const websocket&) = delete;
  websocket& operator=(const websocket&) = delete;

  /// Sends one text message; false once the connection closed or the write
  /// failed.
  bool send(std::string_view text);

  /// Whether the connection closed.
  bool closed() const;

  /// The upgrade request: its path and query (its headers are for
  /// `accept` only and read empty here).
  const request& opened_with() const noexcept { return request_; }

  /// Unique within the server's lifetime.
  uint64_t id() const noexcept { return id_; }

  /// Called by the server when the connection ends: no send after it.
  void mark_closed();

private:
  mg_connection* conn_;
  request request_;
  uint64_t id_;
  mutable std::mutex mtx_;
  bool closed_ = false;
};

/// What a WebSocket route does; each runs on the connection's server thread.
struct websocket_handlers {
  /// Decides on the upgrade request; empty accepts every one.
  std::function<bool(const request&)> accept;
  /// The connection is open.
  std::function<void(const std::shared_ptr<websocket>&)> opened;
  /// A text message arrived.
  std::function<void(const std::shared_ptr<websocket>&, std::string_view)>
    message;
  /// The connection closed (either side); `send` fails from now on.
  std::function<void(const std::shared_ptr<websocket>&)> closed;
};

/// A WebSocket route as the server keeps it.
struct server::websocket_route_entry {
  websocket_handlers handlers;
  std::atomic<uint64_t> next_id{1};
};

} // namespace podshare::http
