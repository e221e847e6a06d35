#include "podshare/net/http/server.hpp"

#include "podshare/net/http/websocket.hpp"

#include "podshare/error.hpp"

#include <civetweb.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <array>
#include <mutex>
#include <optional>

namespace podshare::http {

namespace {

const char* reason_phrase(int status) {
  switch (status) {
    case 200: return "OK";
    case 204: return "No Content";
    case 400: return "Bad Request";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 413: return "Payload Too Large";
    case 500: return "Internal Server Error";
    case 503: return "Service Unavailable";
    default: return "";
  }
}

// The request body, at most `limit` bytes; false when it is larger.
bool read_body(mg_connection* conn, const mg_request_info& info, size_t limit,
               std::string& out) {
  if (info.content_length > static_cast<long long>(limit))
    return false;
  std::array<char, 8192> buf;
  for (;;) {
    auto n = mg_read(conn, buf.data(), buf.size());
    if (n <= 0)
      return true;
    out.append(buf.data(), static_cast<size_t>(n));
    if (out.size() > limit)
      return false;
  }
}

void send(mg_connection* conn, const response& res) {
  std::string head = "HTTP/1.1 " + std::to_string(res.status) + " "
                     + reason_phrase(res.status) + "\r\n";
  if (res.status != 204) {
    head += "Content-Type: " + res.content_type + "\r\n";
    head += "Content-Length: " + std::to_string(res.body.size()) + "\r\n";
  }
  head += "Cache-Control: no-store\r\n";
  for (auto& [name, value] : res.headers)
    head.append(name).append(": ").append(value).append("\r\n");
  head += "\r\n";
  mg_write(conn, head.data(), head.size());
  if (res.status != 204 && !res.body.empty())
    mg_write(conn, res.body.data(), res.body.size());
}

// Splits "host:port" (IPv6 in brackets).
bool split_listen(const std::string& x, std::string& host, std::string& port) {
  auto colon = x.rfind(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == x.size())
    return false;
  host = x.substr(0, colon);
  port = x.substr(colon + 1);
  return std::all_of(port.begin(), port.end(),
                     [](char c) { return c >= '0' && c <= '9'; });
}

// Request bodies larger than this are refused (413).
constexpr size_t max_body = size_t{1} << 20;

} // namespace

std::optional<std::string> request::param(const char* name) const {
  std::string value(query.size() + 1, '\0');
  auto n
    = mg_get_var(query.data(), query.size(), name, value.data(), value.size());
  if (n < 0)
    return std::nullopt;
  value.resize(static_cast<size_t>(n));
  return value;
}

response response::error(int status, const std::string& reason) {
  return {
    status, "application/json", nlohmann::json{{"error", reason}}.dump(), {}};
}

bool stream::write(std::string_view data) {
  if (stopping_.load())
    return false;
  return mg_write(conn_, data.data(), data.size())
         == static_cast<int>(data.size());
}

server::~server() {
  stop();
}

caf::expected<std::unique_ptr<server>>
server::start(const server_options& opts) {
  std::string host;
  std::string port;
  if (!split_listen(opts.listen, host, port))
    return caf::make_error(ec::invalid_argument,
                           "http: listen address must be host:port, got '"
                             + opts.listen + "'");
  static std::once_flag init;
  std::call_once(init, [] { mg_init_library(0); });
  std::unique_ptr<server> self{new server};
  self->host_ = host;
  auto threads = std::to_string(std::max(2, opts.threads));
  // CivetWeb wants IPv6 hosts in brackets followed by the port, as given.
  const char* options[] = {"listening_ports",
                           opts.listen.c_str(),
                           "num_threads",
                           threads.c_str(),
                           "enable_keep_alive",
                           "yes",
                           nullptr};
  mg_callbacks callbacks{};
  // Errors go to our caller, not to stderr.
  callbacks.log_message = [](const mg_connection*, const char*) { return 1; };
  self->ctx_ = mg_start(&callbacks, nullptr, options);
  if (self->ctx_ == nullptr)
    return caf::make_error(ec::transport_failed,
                           "http: cannot listen on " + opts.listen);
  mg_server_port ports[4];
  auto n = mg_get_server_ports(self->ctx_, 4, ports);
  if (n < 1) {
    self->stop();
    return caf::make_error(ec::transport_failed,
                           "http: no port bound for " + opts.listen);
  }
  self->port_ = static_cast<uint16_t>(ports[0].port);
  mg_set_request_handler(self->ctx_, "/", &server::dispatch, self.get());
  return self;
}

void server::route(const std::string& method, const std::string& path,
                   handler f) {
  std::lock_guard<std::mutex> guard{mtx_};
  routes_[{method, path}] = std::move(f);
}

void server::stream_route(const std::string& path,
                          const std::string& content_type, stream_handler f) {
  std::lock_guard<std::mutex> guard{mtx_};
  streams_[path] = stream_route_entry{content_type, std::move(f)};
}

void server::stop() {
  if (ctx_ == nullptr)
    return;
  stopping_ = true;
  mg_stop(ctx_);
  ctx_ = nullptr;
}

std::string server::url() const {
  return "http://" + host_ + ":" + std::to_string(port_);
}

int server::dispatch(mg_connection* conn, void* arg) {
  auto* self = static_cast<server*>(arg);
  const auto* info = mg_get_request_info(conn);
  request req;
  req.method = info->request_method != nullptr ? info->request_method : "";
  req.path = info->local_uri != nullptr ? info->local_uri : "";
  req.query = info->query_string != nullptr ? info->query_string : "";
  req.header = [conn](const char* name) {
    const char* value = mg_get_header(conn, name);
    return value != nullptr ? std::string{value} : std::string{};
  };
  std::optional<handler> route;
  std::optional<stream_route_entry> streamed;
  bool known_path = false;
  {
    std::lock_guard<std::mutex> guard{self->mtx_};
    if (auto i = self->routes_.find({req.method, req.path});
        i != self->routes_.end())
      route = i->second;
    if (auto i = self->streams_.find(req.path);
        i != self->streams_.end() && req.method == "GET")
      streamed = i->second;
    for (auto& [key, f] : self->routes_)
      known_path = known_path || key.second == req.path;
    known_path = known_path || self->streams_.count(req.path) > 0;
  }
  if (streamed) {
    std::string head
      = "HTTP/1.1 200 OK\r\nContent-Type: " + streamed->content_type
        + "\r\nCache-Control: no-store\r\n"
          "Connection: close\r\n\r\n";
    mg_write(conn, head.data(), head.size());
    stream out{conn, self->stopping_};
    streamed->f(req, out);
    return 200;
  }
  if (!route) {
    send(conn, known_path ? response::error(405, "method not allowed")
                          : response::error(404, "no such resource"));
    return known_path ? 405 : 404;
  }
  if (!read_body(conn, *info, max_body, req.body)) {
    send(conn, response::error(413, "request body over 1 MiB"));
    return 413;
  }
  auto res = (*route)(req);
  send(conn, res);
  return res.status;
}

} // namespace podshare::http
