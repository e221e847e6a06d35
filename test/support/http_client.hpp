#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

namespace podshare::testing {

/// A response as the tests read it.
struct http_reply {
  int status = 0;
  std::string headers;
  std::string body;
};

/// One HTTP/1.1 request to 127.0.0.1:`port` on a fresh connection, read
/// until the server closes it or `Content-Length` bytes arrived. Status 0
/// when the connection failed.
http_reply http_request(uint16_t port, const std::string& method,
                        const std::string& path, const std::string& body = {},
                        const std::vector<std::string>& headers = {});

/// An event stream held open: reads what the server sent so far.
class http_stream {
public:
  /// Opens `GET path` with `headers` (e.g. "Last-Event-ID: 7").
  http_stream(uint16_t port, const std::string& path,
              const std::vector<std::string>& headers = {});
  ~http_stream();

  http_stream(const http_stream&) = delete;
  http_stream& operator=(const http_stream&) = delete;

  /// Reads until `text` arrived or `timeout` passed; returns whether it did.
  bool wait_for(const std::string& text,
                std::chrono::milliseconds timeout = std::chrono::seconds{10});

  /// Everything received so far.
  const std::string& received() const { return received_; }

private:
  int fd_ = -1;
  std::string received_;
};

} // namespace podshare::testing
