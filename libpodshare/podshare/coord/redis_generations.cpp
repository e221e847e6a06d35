#include "podshare/coord/redis_generations.hpp"

#include "podshare/error.hpp"
#include "podshare/net/redis/options.hpp"

#include <hiredis/hiredis.h>

#include <cerrno>
#include <cstdlib>
#include <memory>

namespace podshare::coord {

namespace {

struct reply_deleter {
  void operator()(redisReply* x) const { freeReplyObject(x); }
};

using reply_ptr = std::unique_ptr<redisReply, reply_deleter>;

// INCR, the optional expiry and the bump time in the index, in one round
// trip and atomically; the time is the server's, as in `cleanup`.
constexpr const char* bump_script = R"(
local g = redis.call('INCR', KEYS[1])
if ARGV[1] ~= '' then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
local t = redis.call('TIME')
redis.call('ZADD', KEYS[2], t[1] * 1000 + math.floor(t[2] / 1000), KEYS[1])
return g
)";

// Drops the keys whose last bump is older than ARGV[1] ms, by the server's
// clock, atomically with respect to bumps.
constexpr const char* cleanup_script = R"(
local t = redis.call('TIME')
local cutoff = t[1] * 1000 + math.floor(t[2] / 1000) - tonumber(ARGV[1])
local stale = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', cutoff)
for _, k in ipairs(stale) do
  redis.call('DEL', k)
  redis.call('ZREM', KEYS[1], k)
end
return #stale
)";

timeval to_timeval(caf::timespan x) {
  auto us = std::chrono::duration_cast<std::chrono::microseconds>(x).count();
  return timeval{static_cast<time_t>(us / 1000000),
                 static_cast<suseconds_t>(us % 1000000)};
}

caf::error failed(const std::string& what) {
  return caf::make_error(ec::transport_failed, "redis generations: " + what);
}

// A generation as Redis stores it: a decimal string, or nil for 0.
caf::expected<uint64_t> generation_of(const redisReply* x) {
  if (x->type == REDIS_REPLY_NIL)
    return uint64_t{0};
  if (x->type == REDIS_REPLY_INTEGER)
    return static_cast<uint64_t>(x->integer);
  if (x->type == REDIS_REPLY_STRING) {
    errno = 0;
    char* end = nullptr;
    auto n = std::strtoull(x->str, &end, 10);
    if (errno == 0 && end == x->str + x->len && x->len > 0)
      return static_cast<uint64_t>(n);
  }
  return caf::make_error(ec::decode_failed,
                         "redis generations: a key holds no generation");
}

} // namespace

caf::expected<redis_generations_options>
redis_generations_options::from_url(const std::string& url) {
  auto parsed = net::redis_options::from_url(url);
  if (!parsed)
    return std::move(parsed.error());
  redis_generations_options result;
  result.host = parsed->host;
  result.port = parsed->port;
  result.password = parsed->password;
  result.database = parsed->database;
  return result;
}

caf::expected<std::unique_ptr<redis_generations>>
redis_generations::connect(redis_generations_options opts) {
  if (opts.prefix.empty())
    return caf::make_error(ec::invalid_argument,
                           "redis generations: the prefix is empty");
  if (opts.ttl && *opts.ttl < std::chrono::milliseconds{1})
    return caf::make_error(ec::invalid_argument,
                           "redis generations: a TTL under 1 ms");
  std::unique_ptr<redis_generations> result{
    new redis_generations(std::move(opts))};
  if (auto err = result->ensure_connected())
    return err;
  return result;
}

redis_generations::~redis_generations() {
  disconnect();
}

void redis_generations::disconnect() {
  if (ctx_ != nullptr) {
    redisFree(ctx_);
    ctx_ = nullptr;
  }
}

caf::error redis_generations::ensure_connected() {
  if (closed_)
    return caf::make_error(ec::closed, "redis generations: closed");
  if (ctx_ != nullptr && ctx_->err == 0)
    return caf::none;
  disconnect();
  auto tv = to_timeval(opts_.timeout);
  ctx_ = redisConnectWithTimeout(opts_.host.c_str(), opts_.port, tv);
  if (ctx_ == nullptr || ctx_->err != 0) {
    auto why = ctx_ != nullptr ? std::string{ctx_->errstr} : "out of memory";
    disconnect();
    return failed("cannot connect to " + opts_.host + ":"
                  + std::to_string(opts_.port) + ": " + why);
  }
  redisSetTimeout(ctx_, tv);
  auto expect_ok = [&](redisReply* raw, const char* what) -> caf::error {
    reply_ptr reply{raw};
    if (!reply || reply->type == REDIS_REPLY_ERROR) {
      auto why = reply ? std::string{reply->str} : std::string{ctx_->errstr};
      disconnect();
      return failed(std::string{what} + " failed: " + why);
    }
    return caf::none;
  };
  if (!opts_.password.empty())
    if (auto err = expect_ok(static_cast<redisReply*>(redisCommand(
                               ctx_, "AUTH %s", opts_.password.c_str())),
                             "AUTH"))
      return err;
  if (opts_.database != 0)
    if (auto err = expect_ok(static_cast<redisReply*>(
                               redisCommand(ctx_, "SELECT %d", opts_.database)),
                             "SELECT"))
      return err;
  return caf::none;
}

std::string redis_generations::key_of(const std::string& key) const {
  return opts_.prefix + ":" + key;
}

caf::expected<uint64_t> redis_generations::snapshot(const std::string& key) {
  auto all = snapshot_many({key});
  if (!all)
    return std::move(all.error());
  return all->front();
}

caf::expected<std::vector<uint64_t>>
redis_generations::snapshot_many(const std::vector<std::string>& keys) {
  if (keys.empty())
    return std::vector<uint64_t>{};
  std::lock_guard<std::mutex> guard{mtx_};
  if (auto err = ensure_connected())
    return err;
  std::vector<std::string> args{"MGET"};
  for (auto& key : keys)
    args.push_back(key_of(key));
  std::vector<const char*> argv;
  std::vector<size_t> lens;
  for (auto& x : args) {
    argv.push_back(x.data());
    lens.push_back(x.size());
  }
  reply_ptr reply{static_cast<redisReply*>(redisCommandArgv(
    ctx_, static_cast<int>(argv.size()), argv.data(), lens.data()))};
  if (!reply) {
    auto why = std::string{ctx_->errstr};
    disconnect();
    return failed("MGET failed: " + why);
  }
  if (reply->type != REDIS_REPLY_ARRAY || reply->elements != keys.size())
    return failed("MGET answered no array of " + std::to_string(keys.size()));
  std::vector<uint64_t> result;
  result.reserve(keys.size());
  for (size_t i = 0; i < reply->elements; ++i) {
    auto g = generation_of(reply->element[i]);
    if (!g)
      return std::move(g.error());
    result.push_back(*g);
  }
  return result;
}

caf::expected<uint64_t> redis_generations::bump(const std::string& key) {
  std::lock_guard<std::mutex> guard{mtx_};
  if (auto err = ensure_connected())
    return err;
  auto k = key_of(key);
  auto index = opts_.prefix + ":bumped";
  std::string ttl_ms;
  if (opts_.ttl)
    ttl_ms = std::to_string(
      std::chrono::duration_cast<std::chrono::milliseconds>(*opts_.ttl)
        .count());
  reply_ptr reply{static_cast<redisReply*>(
    redisCommand(ctx_, "EVAL %s 2 %b %b %b", bump_script, k.data(), k.size(),
                 index.data(), index.size(), ttl_ms.data(), ttl_ms.size()))};
  if (!reply) {
    auto why = std::string{ctx_->errstr};
    disconnect();
    return failed("bump failed: " + why);
  }
  if (reply->type == REDIS_REPLY_ERROR)
    return failed(std::string{"bump failed: "} + reply->str);
  return generation_of(reply.get());
}

caf::expected<uint64_t> redis_generations::cleanup(caf::timespan retention) {
  std::lock_guard<std::mutex> guard{mtx_};
  if (auto err = ensure_connected())
    return err;
  auto index = opts_.prefix + ":bumped";
  auto ms = std::to_string(
    std::chrono::duration_cast<std::chrono::milliseconds>(retention).count());
  reply_ptr reply{static_cast<redisReply*>(
    redisCommand(ctx_, "EVAL %s 1 %b %b", cleanup_script, index.data(),
                 index.size(), ms.data(), ms.size()))};
  if (!reply) {
    auto why = std::string{ctx_->errstr};
    disconnect();
    return failed("cleanup failed: " + why);
  }
  if (reply->type != REDIS_REPLY_INTEGER)
    return failed("cleanup answered no count");
  return static_cast<uint64_t>(reply->integer);
}

caf::error redis_generations::close() {
  std::lock_guard<std::mutex> guard{mtx_};
  closed_ = true;
  disconnect();
  return caf::none;
}

} // namespace podshare::coord
