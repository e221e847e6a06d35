#pragma once

#include "podshare/coord/generations.hpp"

#include <caf/timespan.hpp>

#include <memory>
#include <mutex>
#include <optional>
#include <string>

struct redisContext;

namespace podshare::coord {

/// How `redis_generations` reaches Redis and names its keys.
struct redis_generations_options {
  std::string host = "127.0.0.1";
  uint16_t port = 6379;
  std::string password;
  int database = 0;
  /// Generation `k` lives at `<prefix>:<k>`; the bump times for `cleanup`
  /// in the sorted set `<prefix>:bumped`.
  std::string prefix = "podshare:gen";
  /// With a value, each bump also sets the key to expire after it, in the
  /// same round trip: Redis drops keys nobody bumps.
  std::optional<caf::timespan> ttl;
  caf::timespan timeout = std::chrono::seconds{2};

  /// Fills host, port, password and database from a `redis://` URL.
  static caf::expected<redis_generations_options>
  from_url(const std::string& url);
};

/// Generations in Redis: each bump is an `INCR`, so every bump in the fleet
/// gets its own number in one global order, and `snapshot_many` is one
/// `MGET`. The price is a round trip per call and a server to depend on: a
/// call fails with `transport_failed` while Redis is unreachable (the next
/// call reconnects). Thread-safe: calls are serialised on one connection.
class redis_generations : public generations {
public:
  static caf::expected<std::unique_ptr<redis_generations>>
  connect(redis_generations_options opts);

  ~redis_generations() override;

  caf::expected<uint64_t> snapshot(const std::string& key) override;
  caf::expected<std::vector<uint64_t>>
  snapshot_many(const std::vector<std::string>& keys) override;
  caf::expected<uint64_t> bump(const std::string& key) override;
  caf::expected<uint64_t> cleanup(caf::timespan retention) override;
  caf::error close() override;

private:
  explicit redis_generations(redis_generations_options opts)
    : opts_(std::move(opts)) {}

  caf::error ensure_connected();
  void disconnect();
  std::string key_of(const std::string& key) const;

  redis_generations_options opts_;
  std::mutex mtx_;
  redisContext* ctx_ = nullptr;
  bool closed_ = false;
};

} // namespace podshare::coord
