#include "podshare/net/http/websocket.hpp"

#include <civetweb.h>

namespace podshare::http {

namespace {

using entry = server::websocket_route_entry;

// The connection's websocket, kept as CivetWeb's user data.
std::shared_ptr<websocket>* socket_of(const mg_connection* conn) {
  return static_cast<std::shared_ptr<websocket>*>(
    mg_get_user_connection_data(conn));
}

int on_connect(const mg_connection* conn, void* arg) {
  auto* route = static_cast<entry*>(arg);
  const auto* info = mg_get_request_info(conn);
  request req;
  req.method = "GET";
  req.path = info->local_uri != nullptr ? info->local_uri : "";
  req.query = info->query_string != nullptr ? info->query_string : "";
  auto* writable = const_cast<mg_connection*>(conn);
  req.header = [writable](const char* name) {
    const char* value = mg_get_header(writable, name);
    return value != nullptr ? std::string{value} : std::string{};
  };
  if (route->handlers.accept && !route->handlers.accept(req))
    return 1; // refused: CivetWeb closes the connection
  // The headers are read during the upgrade only: the socket outlives the
  // request they belong to.
  req.header = [](const char*) { return std::string{}; };
  mg_set_user_connection_data(
    writable, new std::shared_ptr<websocket>(std::make_shared<websocket>(
                writable, std::move(req), route->next_id++)));
  return 0;
}

void on_ready(mg_connection* conn, void* arg) {
  auto* route = static_cast<entry*>(arg);
  if (auto* ws = socket_of(conn); ws != nullptr && route->handlers.opened)
    route->handlers.opened(*ws);
}

int on_data(mg_connection* conn, int bits, char* data, size_t size, void* arg) {
  auto* route = static_cast<entry*>(arg);
  auto opcode = bits & 0xf;
  if (opcode == MG_WEBSOCKET_OPCODE_CONNECTION_CLOSE)
    return 0;
  auto* ws = socket_of(conn);
  if (ws != nullptr && opcode == MG_WEBSOCKET_OPCODE_TEXT
      && route->handlers.message)
    route->handlers.message(*ws, std::string_view{data, size});
  return 1;
}

void on_close(const mg_connection* conn, void* arg) {
  auto* route = static_cast<entry*>(arg);
  auto* ws = socket_of(conn);
  if (ws == nullptr)
    return;
  (*ws)->mark_closed();
  if (route->handlers.closed)
    route->handlers.closed(*ws);
  mg_set_user_connection_data(const_cast<mg_connection*>(conn), nullptr);
  delete ws;
}

} // namespace

bool websocket::send(std::string_view text) {
  std::lock_guard<std::mutex> guard{mtx_};
  if (closed_)
    return false;
  // CivetWeb serializes writers of one connection with its lock.
  mg_lock_connection(conn_);
  auto n = mg_websocket_write(conn_, MG_WEBSOCKET_OPCODE_TEXT, text.data(),
                              text.size());
  mg_unlock_connection(conn_);
  return n > 0;
}

bool websocket::closed() const {
  std::lock_guard<std::mutex> guard{mtx_};
  return closed_;
}

void websocket::mark_closed() {
  std::lock_guard<std::mutex> guard{mtx_};
  closed_ = true;
}

void server::websocket_route(const std::string& path,
                             websocket_handlers handlers) {
  auto route = std::make_unique<websocket_route_entry>();
  route->handlers = std::move(handlers);
  mg_set_websocket_handler(ctx_, path.c_str(), on_connect, on_ready, on_data,
                           on_close, route.get());
  std::lock_guard<std::mutex> guard{mtx_};
  websockets_.push_back(std::move(route));
}

} // namespace podshare::http
