// A writer that outruns any pod, for test/bench/ingest_budget.sh:
//
//   podshare-redis-burst PORT PREFIX TOPIC N ROUND [--snapshot]
//
// publishes N single-write events (JSON wire, as the Go podshare sends
// them) on the topic's channel as fast as Redis takes them, one pipeline,
// keys key:00000000.. with the JSON value {"round":ROUND,"i":i}; with
// --snapshot it then stores the snapshot its pod would have stored: every
// key at the version it published. Prints the milliseconds the burst took.
// Exits 1 on any failure.

#include "podshare/wire.hpp"

#include <hiredis/hiredis.h>

#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

namespace {

podshare::bytes to_bytes(const std::string& x) {
  return {x.begin(), x.end()};
}

bool publish_all(redisContext* c, const std::string& channel,
                 const std::vector<podshare::event>& changes) {
  for (auto& x : changes) {
    auto payload
      = podshare::wire::encode_events(podshare::wire::format::json, {x});
    redisAppendCommand(c, "PUBLISH %b %b", channel.data(), channel.size(),
                       payload.data(), payload.size());
  }
  for (size_t i = 0; i < changes.size(); ++i) {
    void* reply = nullptr;
    if (redisGetReply(c, &reply) != REDIS_OK)
      return false;
    freeReplyObject(reply);
  }
  return true;
}

} // namespace

int main(int argc, char** argv) {
  auto with_snapshot = argc == 7 && std::string{argv[6]} == "--snapshot";
  if (argc != 6 && !with_snapshot) {
    std::fprintf(stderr, "usage: podshare-redis-burst PORT PREFIX TOPIC N "
                         "ROUND [--snapshot]\n");
    return 2;
  }
  auto port = std::stoi(argv[1]);
  std::string prefix = argv[2];
  std::string topic = argv[3];
  auto n = std::stoul(argv[4]);
  std::string round = argv[5];
  auto* c = redisConnect("127.0.0.1", port);
  if (c == nullptr || c->err != 0) {
    std::fprintf(stderr, "burst: cannot connect to redis on port %d\n", port);
    return 1;
  }
  auto start_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(
                    std::chrono::system_clock::now().time_since_epoch())
                    .count();
  std::vector<podshare::event> changes(n);
  char key[32];
  for (size_t i = 0; i < n; ++i) {
    std::snprintf(key, sizeof(key), "key:%08zu", i);
    auto& x = changes[i];
    x.key = key;
    x.value
      = to_bytes("{\"round\":" + round + ",\"i\":" + std::to_string(i) + "}");
    x.version = {static_cast<int64_t>(start_ns) + static_cast<int64_t>(i),
                 "burst-" + round, i + 1};
  }
  auto t0 = std::chrono::steady_clock::now();
  if (!publish_all(c, prefix + ":" + topic + ":events", changes)) {
    std::fprintf(stderr, "burst: PUBLISH failed\n");
    return 1;
  }
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
              std::chrono::steady_clock::now() - t0)
              .count();
  if (!with_snapshot) {
    redisFree(c);
    std::printf("%lld\n", static_cast<long long>(ms));
    return 0;
  }
  auto snapshot
    = podshare::wire::encode_snapshot(podshare::wire::format::json, changes);
  auto snapshot_key = prefix + ":" + topic + ":snapshot";
  auto* reply = static_cast<redisReply*>(
    redisCommand(c, "SET %b %b", snapshot_key.data(), snapshot_key.size(),
                 snapshot.data(), snapshot.size()));
  if (reply == nullptr || reply->type == REDIS_REPLY_ERROR) {
    std::fprintf(stderr, "burst: SET of the snapshot failed\n");
    return 1;
  }
  freeReplyObject(reply);
  redisFree(c);
  std::printf("%lld\n", static_cast<long long>(ms));
  return 0;
}
