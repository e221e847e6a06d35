#pragma once

#include "podshare/bytes.hpp"

#include <caf/expected.hpp>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

struct redisReader;

/// RESP, the Redis protocol, through hiredis: commands are formatted and
/// replies parsed by hiredis's own code; the bytes travel over CAF's
/// multiplexer instead of a hiredis socket.
namespace podshare::net::redis {

/// One parsed reply.
struct reply {
  enum class kind : uint8_t { status, error, integer, string, nil, array };

  kind type = kind::nil;
  /// Status, error and bulk strings.
  std::string str;
  int64_t integer = 0;
  std::vector<reply> elements;

  bool is_error() const { return type == kind::error; }

  /// Whether this is an array whose first element is the string `word`.
  bool is_push(std::string_view word) const;
};

/// Appends one command, its arguments as binary-safe strings, to `out`.
void append_command(bytes& out, std::initializer_list<std::string_view> args);

/// Incremental reply parser for one connection.
class reply_reader {
public:
  reply_reader();
  ~reply_reader();
  reply_reader(const reply_reader&) = delete;
  reply_reader& operator=(const reply_reader&) = delete;

  /// Hands the reader bytes received from the server.
  void feed(const char* data, size_t size);

  /// The next complete reply, nothing if it needs more bytes, or an error
  /// when the stream is not RESP (the connection is then unusable).
  caf::expected<std::unique_ptr<reply>> next();

private:
  // Frees the buffer of a consumed large reply.
  void release_idle_buffer();

  redisReader* reader_;
};

} // namespace podshare::net::redis
