#include "podshare/net/tcp_connect.hpp"

#include "podshare/error.hpp"

#include <caf/event_based_actor.hpp>
#include <caf/send.hpp>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <memory>

#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

namespace podshare::net {

namespace {

caf::error connect_error(const std::string& what, const std::string& host,
                         uint16_t port, const std::string& why) {
  return caf::make_error(ec::transport_failed,
                         "cannot connect to " + what + " at " + host + ":"
                           + std::to_string(port) + ": " + why);
}

// Tries one resolved address with a non-blocking connect bounded by
// `deadline`; returns the connected socket or -1 with `why` set.
int try_address(const addrinfo& address,
                std::chrono::steady_clock::time_point deadline,
                std::string& why) {
  int fd = ::socket(address.ai_family, address.ai_socktype | SOCK_CLOEXEC,
                    address.ai_protocol);
  if (fd < 0) {
    why = std::strerror(errno);
    return -1;
  }
  ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
  auto fail = [&](int code) {
    why = std::strerror(code);
    ::close(fd);
    return -1;
  };
  if (::connect(fd, address.ai_addr, address.ai_addrlen) != 0) {
    if (errno != EINPROGRESS)
      return fail(errno);
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
      deadline - std::chrono::steady_clock::now());
    pollfd waiting{fd, POLLOUT, 0};
    int ready = ::poll(&waiting, 1,
                       static_cast<int>(std::max<int64_t>(0, left.count())));
    if (ready == 0) {
      why = "connect timed out";
      ::close(fd);
      return -1;
    }
    int code = 0;
    socklen_t len = sizeof(code);
    if (ready < 0)
      return fail(errno);
    ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &code, &len);
    if (code != 0)
      return fail(code);
  }
  int on = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof(on));
  ::setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &on, sizeof(on));
  return fd;
}

caf::expected<int> connect_within(const std::string& what,
                                  const std::string& host, uint16_t port,
                                  caf::timespan timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  auto service = std::to_string(port);
  if (int rc = ::getaddrinfo(host.c_str(), service.c_str(), &hints, &found);
      rc != 0)
    return connect_error(what, host, port, ::gai_strerror(rc));
  std::unique_ptr<addrinfo, decltype(&::freeaddrinfo)> guard{found,
                                                             ::freeaddrinfo};
  std::string why = "no address";
  for (auto* address = found; address != nullptr; address = address->ai_next)
    if (int fd = try_address(*address, deadline, why); fd >= 0)
      return fd;
  return connect_error(what, host, port, why);
}

} // namespace

void connect_async(caf::actor_system& sys, const connect_listener& owner,
                   const std::string& what, const std::string& host,
                   uint16_t port, caf::timespan timeout, uint64_t tag) {
  sys.spawn<caf::detached>([=](caf::event_based_actor* self) {
    auto fd = connect_within(what, host, port, timeout);
    if (!fd) {
      self->send(owner, connect_failed_atom::value, tag, fd.error());
      return;
    }
    // A listener that exited meanwhile would never close the socket.
    auto socket = *fd;
    self->request(owner, caf::infinite, connected_atom::value, tag, socket)
      .then(
        [socket](bool taken) {
          if (!taken)
            ::close(socket);
        },
        [socket](caf::error&) { ::close(socket); });
  });
}

} // namespace podshare::net
