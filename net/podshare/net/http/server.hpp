#pragma once

#include <caf/expected.hpp>

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

struct mg_connection;
struct mg_context;

/// An embedded HTTP server (CivetWeb) with exact routes. Requests run on the
/// server's own threads, never on a CAF worker: a slow client holds one of
/// them, not a store or the scheduler. The front door of `podshare_http`.
namespace podshare::http {

/// A request as a handler sees it.
struct request {
  std::string method;
  std::string path;
  std::string query;
  std::string body;
  /// A request header (case-insensitive); empty when absent.
  std::function<std::string(const char* name)> header;

  /// A query parameter, URL-decoded; nothing when absent.
  std::optional<std::string> param(const char* name) const;
};

/// What a handler answers.
struct response {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;

  /// A JSON error body `{"error": reason}` with `status`.
  static response error(int status, const std::string& reason);
};

/// A response sent as it is produced, for Server-Sent Events.
class stream {
public:
  explicit stream(mg_connection* conn, const std::atomic<bool>& stopping)
    : conn_(conn), stopping_(stopping) {}

  /// Writes `data` to the client; false once the client is gone or the
  /// server stops.
  bool write(std::string_view data);

  /// Whether the server is stopping: a handler must return soon.
  bool stopping() const noexcept { return stopping_.load(); }

private:
  mg_connection* conn_;
  const std::atomic<bool>& stopping_;
};

using handler = std::function<response(const request&)>;

struct websocket_handlers;

/// Writes the response headers itself, then the stream until it returns.
using stream_handler = std::function<void(const request&, stream&)>;

struct server_options {
  /// `host:port`; port 0 picks one.
  std::string listen = "127.0.0.1:0";
  /// Request threads: every open event stream holds one.
  int threads = 32;
};

class server {
public:
  ~server();

  server(const server&) = delete;
  server& operator=(const server&) = delete;

  /// Starts serving on `opts.listen`; fails with `invalid_argument` for a
  /// bad address and `transport_failed` when the port cannot be bound.
  static caf::expected<std::unique_ptr<server>>
  start(const server_options& opts);

  /// Answers `method path` (exact, no prefix match) with `f`.
  void route(const std::string& method, const std::string& path, handler f);

  /// Streams `GET path` with `f` (headers `content_type`, no length).
  void stream_route(const std::string& path, const std::string& content_type,
                    stream_handler f);

  /// Serves WebSocket connections on `path` (websocket.hpp).
  void websocket_route(const std::string& path, websocket_handlers handlers);

  /// Stops accepting, tells streams to end, waits for every request thread.
  void stop();

  uint16_t port() const noexcept { return port_; }

  /// A WebSocket route as the server keeps it (websocket.hpp).
  struct websocket_route_entry;

  /// `http://host:port`.
  std::string url() const;

private:
  server() = default;

  static int dispatch(mg_connection* conn, void* arg);

  struct stream_route_entry {
    std::string content_type;
    stream_handler f;
  };

  mg_context* ctx_ = nullptr;
  std::string host_;
  uint16_t port_ = 0;
  std::atomic<bool> stopping_{false};
  /// Routes may be added while requests run.
  std::mutex mtx_;
  std::map<std::pair<std::string, std::string>, handler> routes_;
  std::map<std::string, stream_route_entry> streams_;
  /// The WebSocket routes, alive as long as the server (CivetWeb holds
  /// pointers to them).
  std::vector<std::unique_ptr<websocket_route_entry>> websockets_;
};

} // namespace podshare::http
