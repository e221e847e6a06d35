#include "baselines.hpp"

#include <hiredis/hiredis.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>

namespace podshare::bench {

namespace {

constexpr size_t msg_size = 64;

bool full_io(int fd, char* buf, size_t n, bool write_it) {
  size_t done = 0;
  while (done < n) {
    auto r = write_it ? ::write(fd, buf + done, n - done)
                      : ::read(fd, buf + done, n - done);
    if (r <= 0)
      return false;
    done += static_cast<size_t>(r);
  }
  return true;
}

sockaddr_in loopback(uint16_t port) {
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(port);
  return addr;
}

using context_ptr = std::unique_ptr<redisContext, decltype(&redisFree)>;

context_ptr redis_connect(uint16_t port) {
  context_ptr ctx{redisConnect("127.0.0.1", port), redisFree};
  if (!ctx || ctx->err != 0)
    return context_ptr{nullptr, redisFree};
  return ctx;
}

} // namespace

double quantile_us(std::vector<int64_t> xs, double q) {
  if (xs.empty())
    return 0;
  std::sort(xs.begin(), xs.end());
  auto i = static_cast<size_t>(q * static_cast<double>(xs.size() - 1));
  return static_cast<double>(xs[i]) / 1000.0;
}

uint16_t start_echo_server() {
  int srv = ::socket(AF_INET, SOCK_STREAM, 0);
  auto addr = loopback(0);
  ::bind(srv, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
  ::listen(srv, 1);
  socklen_t len = sizeof(addr);
  ::getsockname(srv, reinterpret_cast<sockaddr*>(&addr), &len);
  std::thread{[srv] {
    int fd = ::accept(srv, nullptr, nullptr);
    int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    char buf[msg_size];
    while (full_io(fd, buf, msg_size, false)
           && full_io(fd, buf, msg_size, true))
      ;
    ::close(fd);
    ::close(srv);
  }}.detach();
  return ntohs(addr.sin_port);
}

std::vector<int64_t> tcp_ping_pong(uint16_t port, int rounds) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  auto addr = loopback(port);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0)
    return {};
  int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  char buf[msg_size] = {1};
  std::vector<int64_t> out;
  for (int i = 0; i < rounds; ++i) {
    auto t0 = steady_ns();
    if (!full_io(fd, buf, msg_size, true) || !full_io(fd, buf, msg_size, false))
      break;
    out.push_back(steady_ns() - t0);
  }
  ::close(fd);
  return out;
}

std::vector<int64_t> redis_pubsub(uint16_t port, int rounds) {
  auto pub = redis_connect(port);
  auto sub = redis_connect(port);
  if (!pub || !sub)
    return {};
  auto* ok = static_cast<redisReply*>(
    redisCommand(sub.get(), "SUBSCRIBE %s", "bench:pubsub"));
  if (ok == nullptr)
    return {};
  freeReplyObject(ok);
  // A lost message ends the measurement rather than the process.
  redisSetTimeout(sub.get(), timeval{10, 0});
  std::vector<int64_t> out;
  std::mutex mtx;
  std::condition_variable arrived;
  int received = 0;
  std::thread subscriber{[&] {
    for (int i = 0; i < rounds; ++i) {
      void* r = nullptr;
      if (redisGetReply(sub.get(), &r) != REDIS_OK || r == nullptr)
        return;
      auto* msg = static_cast<redisReply*>(r);
      if (msg->type == REDIS_REPLY_ARRAY && msg->elements == 3)
        out.push_back(steady_ns()
                      - std::stoll(std::string{msg->element[2]->str,
                                               msg->element[2]->len}));
      freeReplyObject(msg);
      std::lock_guard<std::mutex> guard{mtx};
      received = i + 1;
      arrived.notify_one();
    }
  }};
  for (int i = 0; i < rounds; ++i) {
    auto stamp = std::to_string(steady_ns());
    stamp.resize(msg_size, ' ');
    auto* r = static_cast<redisReply*>(redisCommand(
      pub.get(), "PUBLISH %s %b", "bench:pubsub", stamp.data(), stamp.size()));
    if (r == nullptr)
      break;
    freeReplyObject(r);
    // Not a spin: the publisher must leave the cores to Redis and the
    // subscriber, whose hand-off it does not time.
    std::unique_lock<std::mutex> guard{mtx};
    if (!arrived.wait_for(guard, std::chrono::seconds{10},
                          [&] { return received > i; }))
      break;
  }
  subscriber.join();
  return out;
}

} // namespace podshare::bench
