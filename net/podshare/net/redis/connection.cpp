#include "podshare/net/redis/connection.hpp"

#include "podshare/error.hpp"

#include <caf/actor_cast.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/io/broker.hpp>
#include <caf/io/middleman.hpp>
#include <caf/io/network/multiplexer.hpp>
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

namespace podshare::net::redis {

namespace {

caf::error connect_error(const std::string& host, uint16_t port,
                         const std::string& why) {
  return caf::make_error(ec::transport_failed,
                         "cannot connect to redis at " + host + ":"
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

caf::expected<int> connect_within(const std::string& host, uint16_t port,
                                  caf::timespan timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  auto service = std::to_string(port);
  if (int rc = ::getaddrinfo(host.c_str(), service.c_str(), &hints, &found);
      rc != 0)
    return connect_error(host, port, ::gai_strerror(rc));
  std::unique_ptr<addrinfo, decltype(&::freeaddrinfo)> guard{found,
                                                             ::freeaddrinfo};
  std::string why = "no address";
  for (auto* address = found; address != nullptr; address = address->ai_next)
    if (int fd = try_address(*address, deadline, why); fd >= 0)
      return fd;
  return connect_error(host, port, why);
}

using adopt_atom = caf::atom_constant<caf::atom("r_adopt")>;
using close_now_atom = caf::atom_constant<caf::atom("r_closenow")>;

// The broker of one connection. It takes its socket in a message rather than
// at spawn, so that the scribe is created on the multiplexer's thread,
// where a broker's handlers run.
caf::behavior pipe(caf::io::broker* self, const connection_listener& owner,
                   uint64_t tag) {
  auto hdl = std::make_shared<caf::io::connection_handle>();
  // CAF 0.17 leaks a scribe, and its socket, that is started and closed in
  // one multiplexer cycle (a link torn down at once): its "read" and "stop
  // reading" requests cancel out, so the stream never drops its reference
  // to the scribe. A closure posted from the loop runs after the cycle's
  // requests took effect, so the close goes through that way.
  auto closing = std::make_shared<bool>(false);
  auto close_later = [self, closing] {
    if (*closing)
      return;
    *closing = true;
    // Weak: a closure the loop never runs must not keep the broker alive.
    auto me = self->address();
    self->backend().post([me] {
      if (auto broker = caf::actor_cast<caf::actor>(me))
        caf::anon_send(broker, close_now_atom::value);
    });
  };
  self->monitor(owner);
  self->set_down_handler(
    [close_later](const caf::down_msg&) { close_later(); });
  return {
    [=](adopt_atom, int fd) {
      *hdl = self->add_scribe(fd);
      self->configure_read(*hdl,
                           caf::io::receive_policy::at_most(size_t{64} * 1024));
    },
    [=](const caf::io::new_data_msg& msg) {
      auto first = reinterpret_cast<const uint8_t*>(msg.buf.data());
      self->send(owner, data_atom::value, tag,
                 bytes(first, first + msg.buf.size()));
    },
    [=](const caf::io::connection_closed_msg&) {
      self->send(owner, dropped_atom::value, tag,
                 caf::make_error(ec::transport_failed,
                                 "the redis server closed the connection"));
      self->quit();
    },
    [=](write_atom, const bytes& out) {
      auto& buf = self->wr_buf(*hdl);
      buf.insert(buf.end(), out.begin(), out.end());
      self->flush(*hdl);
    },
    [=](caf::close_atom) { close_later(); },
    [=](close_now_atom) {
      // Graceful: what is still queued is written first.
      self->close(*hdl);
      self->quit();
    },
  };
}

} // namespace

void connect_async(caf::actor_system& sys, const connection_listener& owner,
                   const std::string& host, uint16_t port,
                   caf::timespan timeout, uint64_t tag) {
  sys.spawn<caf::detached>([=](caf::event_based_actor* self) {
    auto fd = connect_within(host, port, timeout);
    if (fd)
      self->send(owner, connected_atom::value, tag, *fd);
    else
      self->send(owner, dropped_atom::value, tag, fd.error());
  });
}

caf::actor spawn_pipe(caf::actor_system& sys, connection_listener owner, int fd,
                      uint64_t tag) {
  auto broker = sys.middleman().spawn_broker(pipe, std::move(owner), tag);
  // Before any write: messages from one sender arrive in order.
  caf::anon_send(broker, adopt_atom::value, fd);
  return broker;
}

} // namespace podshare::net::redis
