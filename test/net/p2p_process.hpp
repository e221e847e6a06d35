#pragma once

// A child process driven over pipes: the multi-process p2p tests start
// test/p2p_pod.cpp with fork/exec, write commands to its stdin and read one
// reply line per command from its stdout.

#include <poll.h>
#include <signal.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace podshare::testing {

class child_process {
public:
  explicit child_process(const std::vector<std::string>& argv) {
    int in[2];
    int out[2];
    if (pipe(in) != 0 || pipe(out) != 0)
      throw std::runtime_error("pipe failed");
    pid_ = fork();
    if (pid_ < 0)
      throw std::runtime_error("fork failed");
    if (pid_ == 0) {
      dup2(in[0], STDIN_FILENO);
      dup2(out[1], STDOUT_FILENO);
      close(in[0]);
      close(in[1]);
      close(out[0]);
      close(out[1]);
      std::vector<char*> args;
      for (auto& x : argv)
        args.push_back(const_cast<char*>(x.c_str()));
      args.push_back(nullptr);
      execv(args[0], args.data());
      _exit(127);
    }
    close(in[0]);
    close(out[1]);
    to_ = in[1];
    from_ = out[0];
    // A write to a pod that died must fail, not kill the test binary.
    signal(SIGPIPE, SIG_IGN);
  }

  child_process(const child_process&) = delete;
  child_process& operator=(const child_process&) = delete;

  ~child_process() {
    kill_now();
    close(to_);
    close(from_);
  }

  /// The next line of output, or nothing when `timeout` passes first or the
  /// child closed its output.
  std::optional<std::string> read_line(std::chrono::milliseconds timeout
                                       = std::chrono::seconds{30}) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
      auto nl = buf_.find('\n');
      if (nl != std::string::npos) {
        auto line = buf_.substr(0, nl);
        buf_.erase(0, nl + 1);
        return line;
      }
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0)
        return std::nullopt;
      pollfd p{from_, POLLIN, 0};
      if (poll(&p, 1, static_cast<int>(left.count())) <= 0)
        continue;
      char chunk[4096];
      auto n = read(from_, chunk, sizeof(chunk));
      if (n <= 0)
        return std::nullopt;
      buf_.append(chunk, static_cast<size_t>(n));
    }
  }

  /// Sends `line` and returns the reply line.
  std::optional<std::string> ask(const std::string& line) {
    auto text = line + "\n";
    if (write(to_, text.data(), text.size())
        != static_cast<ssize_t>(text.size()))
      return std::nullopt;
    return read_line();
  }

  /// Kills the child with SIGKILL (no goodbye to its peers) and reaps it.
  void kill_now() {
    if (pid_ <= 0)
      return;
    ::kill(pid_, SIGKILL);
    int status = 0;
    waitpid(pid_, &status, 0);
    pid_ = -1;
  }

private:
  pid_t pid_ = -1;
  int to_ = -1;
  int from_ = -1;
  std::string buf_;
};

} // namespace podshare::testing
