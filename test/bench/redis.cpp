// The Redis transport against a throwaway redis-server on loopback: our
// pipelined publish throughput beside a raw pipelined hiredis PUBLISH loop
// (the limit), and write-to-remote-watch latency between two pods that each
// have their own connection.

#include "common.hpp"

#include "podshare/net/redis/spawn.hpp"
#include "support/redis_server.hpp"

#include <caf/scoped_actor.hpp>

#include <hiredis/hiredis.h>

#include <cstdio>
#include <cstdlib>
#include <memory>

namespace podshare::bench {

namespace {

constexpr int pipeline_depth = 1000;

// One server for every Redis benchmark of the run.
testing::redis_server& server() {
  static auto* instance = [] {
    auto* x = new testing::redis_server;
    if (!x->ok()) {
      std::fprintf(stderr, "redis: %s\n", x->error().c_str());
      std::abort();
    }
    return x;
  }();
  return *instance;
}

transport_actor connect() {
  net::redis_options opts;
  opts.port = server().port();
  auto transport = net::spawn_redis_transport(system(), opts);
  if (!transport) {
    std::fprintf(stderr, "redis: %s\n", describe(transport.error()).c_str());
    std::abort();
  }
  return *transport;
}

// What a store publishes for one 64-byte write, about.
std::string message() {
  return std::string(120, 'm');
}

void baseline_redis_raw_publish(benchmark::State& state) {
  auto* ctx = redisConnect("127.0.0.1", server().port());
  if (ctx == nullptr || ctx->err != 0) {
    state.SkipWithError("cannot connect");
    return;
  }
  auto payload = message();
  for (auto _ : state) {
    for (int i = 0; i < pipeline_depth; ++i)
      redisAppendCommand(ctx, "PUBLISH bench:raw %b", payload.data(),
                         payload.size());
    for (int i = 0; i < pipeline_depth; ++i) {
      void* reply = nullptr;
      if (redisGetReply(ctx, &reply) != REDIS_OK) {
        state.SkipWithError("publish failed");
        break;
      }
      freeReplyObject(reply);
    }
  }
  state.SetItemsProcessed(state.iterations() * pipeline_depth);
  redisFree(ctx);
}
BENCHMARK(baseline_redis_raw_publish)->UseRealTime();

void podshare_redis_publish(benchmark::State& state) {
  auto transport = connect();
  auto payload = message();
  bytes data(payload.begin(), payload.end());
  caf::scoped_actor self{system()};
  std::string topic = "bench";
  using handle = decltype(self->request(transport, caf::infinite,
                                        publish_atom::value, topic, data));
  std::vector<handle> pending;
  pending.reserve(pipeline_depth);
  for (auto _ : state) {
    // All requests first, then the answers: a pipeline of 1000.
    for (int i = 0; i < pipeline_depth; ++i)
      pending.push_back(self->request(transport, std::chrono::seconds{10},
                                      publish_atom::value, topic, data));
    int failed = 0;
    for (auto& x : pending)
      x.receive([](ok_atom) {}, [&](caf::error&) { ++failed; });
    pending.clear();
    if (failed > 0)
      state.SkipWithError("publish failed");
  }
  state.SetItemsProcessed(state.iterations() * pipeline_depth);
  caf::anon_send(transport, close_atom::value);
}
BENCHMARK(podshare_redis_publish)->UseRealTime();

void podshare_redis_write_to_remote_watch(benchmark::State& state) {
  measure_remote_watch(state, open("redis_watch", connect()),
                       open("redis_watch", connect()));
}
BENCHMARK(podshare_redis_write_to_remote_watch)->UseRealTime();

} // namespace

} // namespace podshare::bench
