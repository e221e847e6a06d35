#include "support/redis_server.hpp"

#include <array>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <random>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

namespace podshare::testing {

namespace {

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

// Reads the server's log from `fd` until it says it is ready, it closes the
// pipe (it exited) or `limit` passes; returns what it read.
std::string read_until_ready(int fd, std::chrono::milliseconds limit) {
  using clock = std::chrono::steady_clock;
  auto deadline = clock::now() + limit;
  std::string log;
  std::array<char, 4096> buf;
  while (log.find("Ready to accept connections") == std::string::npos) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
      deadline - clock::now());
    if (left.count() <= 0)
      break;
    pollfd p{fd, POLLIN, 0};
    auto ready = ::poll(&p, 1, static_cast<int>(left.count()));
    if (ready < 0 && errno == EINTR)
      continue;
    if (ready <= 0)
      break;
    auto n = ::read(fd, buf.data(), buf.size());
    if (n <= 0)
      break;
    log.append(buf.data(), static_cast<size_t>(n));
  }
  return log;
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
  // No --logfile: the log comes to us on a pipe, and the server is up when
  // it says so. A ping would also be answered by another server that holds
  // the port, and polling for one sleeps.
  std::vector<std::string> argv{"redis-server",
                                "--port",
                                std::to_string(port_),
                                "--bind",
                                "127.0.0.1",
                                "--save",
                                "",
                                "--appendonly",
                                "no",
                                "--dir",
                                dir_};
  argv.insert(argv.end(), extra_.begin(), extra_.end());
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) {
    error_ = "cannot create a pipe";
    return false;
  }
  // Dies with the test, and keeps the test's output pipe free for ctest.
  pid_ = spawn(argv, fds[1], false, true);
  ::close(fds[1]);
  std::string log = read_until_ready(fds[0], std::chrono::seconds{10});
  // Once ready, the server's log goes nowhere (redis-server ignores
  // SIGPIPE).
  ::close(fds[0]);
  if (log.find("Ready to accept connections") != std::string::npos)
    return true;
  // Exited (a port taken, a bad argument) or stuck: gone either way.
  int status = 0;
  ::kill(pid_, SIGKILL);
  ::waitpid(pid_, &status, 0);
  pid_ = -1;
  error_ = WIFEXITED(status) && WEXITSTATUS(status) == 127
             ? "redis-server not found: run scripts/setup"
             : "redis-server did not start within 10 s: " + log;
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
