#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <sys/types.h>

namespace podshare::testing {

/// A throwaway `redis-server` on 127.0.0.1 and a random high port, with no
/// persistence and its own temporary directory, stopped on destruction.
/// Tests and benchmarks that need Redis start one; a machine without
/// redis-server fails them (`ok()` is false and `error()` says why).
class redis_server {
public:
  /// Starts the server; `extra` is appended to its command line (for
  /// example `{"--requirepass", "secret"}`).
  explicit redis_server(std::vector<std::string> extra = {});
  ~redis_server();
  redis_server(const redis_server&) = delete;
  redis_server& operator=(const redis_server&) = delete;

  bool ok() const { return error_.empty(); }
  const std::string& error() const { return error_; }
  uint16_t port() const { return port_; }

  /// Kills the server with SIGKILL, as a crash would.
  void kill();

  /// Starts it again on the same port (after `kill`); returns `ok()`.
  bool restart();

  /// Runs `redis-cli` against the server with `args`; returns its output,
  /// or an empty string with `error()` set when it fails.
  std::string cli(const std::vector<std::string>& args);

private:
  bool start();

  std::vector<std::string> extra_;
  std::string dir_;
  std::string error_;
  uint16_t port_ = 0;
  pid_t pid_ = -1;
};

/// A TCP port on 127.0.0.1 that was free a moment ago.
uint16_t free_port();

} // namespace podshare::testing
