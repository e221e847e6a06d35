#include "support/redis_server.hpp"

#include <hiredis/hiredis.h>

#include <array>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <random>
#include <thread>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

namespace podshare::testing {

namespace {

// Whether a server answers PING on `port`.
bool answers_ping(uint16_t port) {
  timeval timeout{0, 200000};
  auto* ctx = redisConnectWithTimeout("127.0.0.1", port, timeout);
  if (ctx == nullptr)
    return false;
  bool ok = false;
  if (ctx->err == 0) {
    redisSetTimeout(ctx, timeout);
    if (auto* reply = static_cast<redisReply*>(redisCommand(ctx, "PING"))) {
      // An error reply (NOAUTH) still shows the server is up.
      ok = true;
      freeReplyObject(reply);
    }
  }
  redisFree(ctx);
  return ok;
}

// Starts `argv` with its standard output on `out`, and its standard error
// too unless `keep_stderr`. The argument array is built before the fork: a
// child of a multi-threaded process may only make async-signal-safe calls.
pid_t spawn(const std::vector<std::string>& argv, int out, bool keep_stderr,
            bool die_with_parent) {
  std::vector<char*> args;
  for (auto& x : argv)
    args.push_back(const_cast<char*>(x.c_str()));
  args.push_back(nullptr);
  auto pid = ::fork();
  if (pid == 0) {
    if (die_with_parent)
      ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    ::dup2(out, STDOUT_FILENO);
    if (!keep_stderr)
      ::dup2(out, STDERR_FILENO);
    ::execvp(args[0], args.data());
    ::_exit(127);
  }
  return pid;
}

// Runs `argv` and returns its standard output; `status` gets the exit code.
std::string run(const std::vector<std::string>& argv, int& status) {
  int fds[2];
  if (::pipe(fds) != 0)
    return {};
  ::fcntl(fds[0], F_SETFD, FD_CLOEXEC);
  auto pid = spawn(argv, fds[1], true, false);
  ::close(fds[1]);
  std::string out;
  std::array<char, 4096> buf;
  ssize_t n;
  while ((n = ::read(fds[0], buf.data(), buf.size())) > 0)
    out.append(buf.data(), static_cast<size_t>(n));
  ::close(fds[0]);
  ::waitpid(pid, &status, 0);
  return out;
}

} // namespace

uint16_t free_port() {
  // Below Linux's ephemeral ports (32768 and up), where outgoing
  // connections take theirs between our check and a server's bind.
  std::random_device seed;
  std::uniform_int_distribution<int> pick{20000, 31999};
  for (;;) {
    auto port = static_cast<uint16_t>(pick(seed));
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bool free
      = ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0;
    ::close(fd);
    if (free)
      return port;
  }
}

redis_server::redis_server(std::vector<std::string> extra)
  : extra_(std::move(extra)) {
  char tmpl[] = "/tmp/podshare-redis-XXXXXX";
  if (::mkdtemp(tmpl) == nullptr) {
    error_ = "cannot create a temporary directory";
    return;
  }
  dir_ = tmpl;
  // Another process may take the port between our check and the server's
  // bind: try a few.
  for (int attempt = 0; attempt < 5; ++attempt) {
    port_ = free_port();
    if (start())
      return;
  }
}

redis_server::~redis_server() {
  if (pid_ > 0) {
    ::kill(pid_, SIGTERM);
    ::waitpid(pid_, nullptr, 0);
  }
  if (!dir_.empty()) {
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }
}

bool redis_server::start() {
  error_.clear();
  std::vector<std::string> argv{
    "redis-server", "--port",    std::to_string(port_), "--bind", "127.0.0.1",
    "--save",       "",          "--appendonly",        "no",     "--dir",
    dir_,           "--logfile", dir_ + "/redis.log"};
  argv.insert(argv.end(), extra_.begin(), extra_.end());
  // Dies with the test, and keeps the test's output pipe free for ctest.
  int null = ::open("/dev/null", O_RDWR | O_CLOEXEC);
  pid_ = spawn(argv, null, false, true);
  ::close(null);
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds{10};
  while (std::chrono::steady_clock::now() < deadline) {
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      error_ = WIFEXITED(status) && WEXITSTATUS(status) == 127
                 ? "redis-server not found: run scripts/setup"
                 : "redis-server exited at start; see " + dir_ + "/redis.log";
      return false;
    }
    if (answers_ping(port_))
      return true;
    std::this_thread::sleep_for(std::chrono::milliseconds{20});
  }
  error_ = "redis-server did not answer within 10 s";
  return false;
}

void redis_server::kill() {
  if (pid_ > 0) {
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
    pid_ = -1;
  }
}

bool redis_server::restart() {
  kill();
  return start();
}

std::string redis_server::cli(const std::vector<std::string>& args) {
  std::vector<std::string> argv{"redis-cli", "-h", "127.0.0.1", "-p",
                                std::to_string(port_)};
  argv.insert(argv.end(), args.begin(), args.end());
  int status = 0;
  auto out = run(argv, status);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    error_ = "redis-cli failed";
    return {};
  }
  return out;
}

} // namespace podshare::testing
