#include "support/http_client.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>

namespace podshare::testing {

namespace {

int connect_to(uint16_t port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(port);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

void send_request(int fd, const std::string& method, const std::string& path,
                  const std::string& body,
                  const std::vector<std::string>& headers) {
  std::string req = method + " " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                    + "Connection: close\r\nContent-Length: "
                    + std::to_string(body.size()) + "\r\n";
  for (auto& h : headers)
    req += h + "\r\n";
  req += "\r\n" + body;
  size_t sent = 0;
  while (sent < req.size()) {
    auto n = ::write(fd, req.data() + sent, req.size() - sent);
    if (n <= 0)
      return;
    sent += static_cast<size_t>(n);
  }
}

// Reads what is there within `ms`; false at the end of the stream.
bool read_some(int fd, std::string& out, int ms) {
  pollfd p{fd, POLLIN, 0};
  if (::poll(&p, 1, ms) <= 0)
    return true;
  std::array<char, 8192> buf;
  auto n = ::read(fd, buf.data(), buf.size());
  if (n <= 0)
    return false;
  out.append(buf.data(), static_cast<size_t>(n));
  return true;
}

} // namespace

http_reply http_request(uint16_t port, const std::string& method,
                        const std::string& path, const std::string& body,
                        const std::vector<std::string>& headers) {
  http_reply reply;
  int fd = connect_to(port);
  if (fd < 0)
    return reply;
  send_request(fd, method, path, body, headers);
  std::string raw;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds{30};
  while (std::chrono::steady_clock::now() < deadline
         && read_some(fd, raw, 100)) {
    auto end = raw.find("\r\n\r\n");
    if (end == std::string::npos)
      continue;
    auto length = raw.find("Content-Length: ");
    if (length != std::string::npos && length < end
        && raw.size() >= end + 4 + std::stoul(raw.substr(length + 16)))
      break;
  }
  ::close(fd);
  auto end = raw.find("\r\n\r\n");
  if (raw.rfind("HTTP/1.1 ", 0) != 0 || end == std::string::npos)
    return reply;
  reply.status = std::stoi(raw.substr(9, 3));
  reply.headers = raw.substr(0, end);
  reply.body = raw.substr(end + 4);
  return reply;
}

http_stream::http_stream(uint16_t port, const std::string& path,
                         const std::vector<std::string>& headers) {
  fd_ = connect_to(port);
  if (fd_ >= 0)
    send_request(fd_, "GET", path, {}, headers);
}

http_stream::~http_stream() {
  if (fd_ >= 0)
    ::close(fd_);
}

bool http_stream::wait_for(const std::string& text,
                           std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (received_.find(text) == std::string::npos) {
    if (fd_ < 0 || std::chrono::steady_clock::now() > deadline)
      return false;
    if (!read_some(fd_, received_, 50))
      return received_.find(text) != std::string::npos;
  }
  return true;
}

} // namespace podshare::testing
