#define CAF_SUITE libpodshare.coord.generations

#include "podshare/coord/local_generations.hpp"
#include "podshare/coord/redis_generations.hpp"
#include "podshare/coord/replicated_generations.hpp"

#include "podshare/configure.hpp"
#include "podshare/error.hpp"
#include "podshare/net/memory/spawn.hpp"

#include "support/eventually.hpp"
#include "support/redis_server.hpp"

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/test/unit_test.hpp>

#include <atomic>
#include <memory>
#include <mutex>
#include <set>
#include <thread>

using namespace podshare;
using namespace podshare::coord;
using namespace std::chrono_literals;
using podshare::testing::eventually;

namespace {

struct manual_wall {
  std::shared_ptr<std::atomic<int64_t>> now
    = std::make_shared<std::atomic<int64_t>>(1767225600LL * 1000000000LL);
  wall_clock source() const {
    auto ptr = now;
    return [ptr] { return ptr->load(); };
  }
  void advance(caf::timespan x) { now->fetch_add(x.count()); }
};

struct system_fixture {
  system_fixture() : sys(init(cfg)) {}

  static caf::actor_system_config& init(caf::actor_system_config& cfg) {
    configure(cfg);
    return cfg;
  }

  caf::actor_system_config cfg;
  caf::actor_system sys;
};

uint64_t value_or_fail(const caf::expected<uint64_t>& x) {
  CAF_REQUIRE(x);
  return *x;
}

// Bumps `key` on each of `gens` from a thread of its own, `each` times,
// while a reader of the first checks that the generation never goes down.
void bump_concurrently(const std::vector<generations*>& gens,
                       const std::string& key, int each) {
  std::atomic<bool> done{false};
  std::atomic<bool> went_down{false};
  std::thread reader{[&] {
    uint64_t last = 0;
    while (!done) {
      auto g = gens.front()->snapshot(key);
      if (g && *g < last)
        went_down = true;
      if (g)
        last = *g;
    }
  }};
  // The test macros are not thread-safe: threads count, the test checks.
  std::atomic<int> failures{0};
  std::vector<std::thread> writers;
  for (auto* g : gens)
    writers.emplace_back([g, &key, each, &failures] {
      for (int i = 0; i < each; ++i)
        if (!g->bump(key))
          ++failures;
    });
  for (auto& t : writers)
    t.join();
  done = true;
  reader.join();
  CAF_CHECK_EQUAL(failures.load(), 0);
  CAF_CHECK(!went_down);
}

} // namespace

CAF_TEST(local generations count bumps and start at zero) {
  local_generations g;
  CAF_CHECK_EQUAL(value_or_fail(g.snapshot("k")), 0u);
  CAF_CHECK_EQUAL(value_or_fail(g.bump("k")), 1u);
  CAF_CHECK_EQUAL(value_or_fail(g.bump("k")), 2u);
  CAF_CHECK_EQUAL(value_or_fail(g.bump("other")), 1u);
  auto many = g.snapshot_many({"k", "missing", "other"});
  CAF_REQUIRE(many);
  CAF_CHECK_EQUAL(*many, std::vector<uint64_t>({2, 0, 1}));
  CAF_CHECK(!g.close());
  auto bumped = g.bump("k");
  auto read = g.snapshot("k");
  CAF_CHECK_EQUAL(bumped.error(), ec::closed);
  CAF_CHECK_EQUAL(read.error(), ec::closed);
}

CAF_TEST(local generations lose no concurrent bump) {
  local_generations g;
  bump_concurrently({&g, &g, &g, &g}, "k", 2000);
  CAF_CHECK_EQUAL(value_or_fail(g.snapshot("k")), 8000u);
}

CAF_TEST(local cleanup drops only keys not bumped within the retention) {
  manual_wall wall;
  local_generations g{wall.source()};
  CAF_REQUIRE(g.bump("old"));
  wall.advance(10min);
  CAF_REQUIRE(g.bump("new"));
  wall.advance(1min);
  CAF_CHECK_EQUAL(value_or_fail(g.cleanup(5min)), 1u);
  CAF_CHECK_EQUAL(value_or_fail(g.snapshot("old")), 0u);
  CAF_CHECK_EQUAL(value_or_fail(g.snapshot("new")), 1u);
}

CAF_TEST_FIXTURE_SCOPE(replicated_tests, system_fixture)

CAF_TEST(replicated bumps on three pods all count everywhere) {
  auto transport = net::spawn_memory_transport(sys);
  std::vector<std::unique_ptr<replicated_generations>> pods;
  for (int i = 0; i < 3; ++i) {
    auto g = replicated_generations::open(sys, transport);
    CAF_REQUIRE(g);
    pods.push_back(std::move(*g));
  }
  CAF_CHECK_NOT_EQUAL(pods[0]->writer(), pods[1]->writer());
  bump_concurrently({pods[0].get(), pods[1].get(), pods[2].get()}, "k", 500);
  // Every pod has every bump once the stores have applied them.
  for (auto& g : pods)
    CAF_CHECK(
      eventually([&] { return value_or_fail(g->snapshot("k")) == 1500u; }));
  auto many = pods[2]->snapshot_many({"k", "none"});
  CAF_REQUIRE(many);
  CAF_CHECK_EQUAL(*many, std::vector<uint64_t>({1500, 0}));
  for (auto& g : pods)
    CAF_CHECK(!g->close());
  anon_send_exit(transport, caf::exit_reason::user_shutdown);
}

CAF_TEST(the replicated join keeps the larger count per writer) {
  nlohmann::json x{{"a", 3}, {"b", 1}};
  nlohmann::json y{{"b", 4}, {"c", 2}};
  auto j = replicated_generations::join(x, y);
  CAF_CHECK_EQUAL(j, (nlohmann::json{{"a", 3}, {"b", 4}, {"c", 2}}));
  CAF_CHECK_EQUAL(replicated_generations::generation_of(j), 9u);
  CAF_CHECK_EQUAL(replicated_generations::join(j, x), j);
  CAF_CHECK_EQUAL(replicated_generations::generation_of("garbage"), 0u);
}

CAF_TEST(replicated cleanup drops stale keys on every pod) {
  manual_wall wall;
  auto transport = net::spawn_memory_transport(sys);
  options opts;
  opts.wall_clock = wall.source();
  auto a = replicated_generations::open(sys, transport,
                                        default_generations_topic, opts);
  auto b = replicated_generations::open(sys, transport,
                                        default_generations_topic, opts);
  CAF_REQUIRE(a && b);
  CAF_REQUIRE((*a)->bump("old"));
  wall.advance(10min);
  CAF_REQUIRE((*b)->bump("new"));
  CAF_CHECK(
    eventually([&] { return value_or_fail((*b)->snapshot("old")) == 1u; }));
  CAF_CHECK_EQUAL(value_or_fail((*a)->cleanup(5min)), 1u);
  CAF_CHECK(
    eventually([&] { return value_or_fail((*b)->snapshot("old")) == 0u; }));
  CAF_CHECK_EQUAL(value_or_fail((*b)->snapshot("new")), 1u);
  (*a)->close();
  (*b)->close();
  anon_send_exit(transport, caf::exit_reason::user_shutdown);
}

CAF_TEST_FIXTURE_SCOPE_END()

CAF_TEST(redis generations give every bump its own number) {
  testing::redis_server server;
  if (!server.ok())
    CAF_FAIL("redis-server: " << server.error());
  auto opts = redis_generations_options::from_url(
    "redis://127.0.0.1:" + std::to_string(server.port()));
  CAF_REQUIRE(opts);
  std::vector<std::unique_ptr<redis_generations>> clients;
  for (int i = 0; i < 3; ++i) {
    auto c = redis_generations::connect(*opts);
    CAF_REQUIRE(c);
    clients.push_back(std::move(*c));
  }
  CAF_CHECK_EQUAL(value_or_fail(clients[0]->snapshot("k")), 0u);
  std::mutex mtx;
  std::vector<uint64_t> answers;
  std::vector<std::thread> threads;
  for (auto& c : clients)
    threads.emplace_back([&, client = c.get()] {
      for (int i = 0; i < 300; ++i) {
        auto g = client->bump("k");
        std::lock_guard<std::mutex> guard{mtx};
        answers.push_back(g ? *g : 0);
      }
    });
  for (auto& t : threads)
    t.join();
  std::set<uint64_t> distinct{answers.begin(), answers.end()};
  CAF_CHECK_EQUAL(distinct.size(), 900u);
  CAF_CHECK_EQUAL(distinct.count(0), 0u);
  CAF_CHECK_EQUAL(*distinct.rbegin(), 900u);
  auto many = clients[1]->snapshot_many({"k", "none"});
  CAF_REQUIRE(many);
  CAF_CHECK_EQUAL(*many, std::vector<uint64_t>({900, 0}));
  CAF_CHECK_EQUAL(server.cli({"GET", "podshare:gen:k"}), "900\n");
}

CAF_TEST(redis generations refresh their ttl and clean up) {
  testing::redis_server server;
  if (!server.ok())
    CAF_FAIL("redis-server: " << server.error());
  auto opts = redis_generations_options::from_url(
    "redis://127.0.0.1:" + std::to_string(server.port()));
  CAF_REQUIRE(opts);
  opts->ttl = 60s;
  auto g = redis_generations::connect(*opts);
  CAF_REQUIRE(g);
  CAF_CHECK_EQUAL(value_or_fail((*g)->bump("k")), 1u);
  auto pttl = std::stoll(server.cli({"PTTL", "podshare:gen:k"}));
  CAF_CHECK_GREATER(pttl, 50000);
  CAF_CHECK_LESS_OR_EQUAL(pttl, 60000);
  // Everything bumped before now is older than a zero retention.
  std::this_thread::sleep_for(5ms);
  CAF_CHECK_EQUAL(value_or_fail((*g)->cleanup(caf::timespan{0})), 1u);
  CAF_CHECK_EQUAL(value_or_fail((*g)->snapshot("k")), 0u);
  CAF_CHECK_EQUAL(value_or_fail((*g)->cleanup(caf::timespan{0})), 0u);
}

CAF_TEST(redis generations fail clearly without a server and recover) {
  testing::redis_server server;
  if (!server.ok())
    CAF_FAIL("redis-server: " << server.error());
  redis_generations_options opts;
  opts.port = server.port();
  opts.timeout = 500ms;
  auto g = redis_generations::connect(opts);
  CAF_REQUIRE(g);
  CAF_CHECK_EQUAL(value_or_fail((*g)->bump("k")), 1u);
  server.kill();
  auto failed = (*g)->bump("k");
  CAF_REQUIRE(!failed);
  CAF_CHECK_EQUAL(failed.error(), ec::transport_failed);
  CAF_REQUIRE(server.restart());
  // The server lost its data (no persistence): the next bump reconnects.
  CAF_CHECK_EQUAL(value_or_fail((*g)->bump("k")), 1u);
  redis_generations_options nowhere;
  nowhere.port = testing::free_port();
  auto refused = redis_generations::connect(nowhere);
  CAF_REQUIRE(!refused);
  CAF_CHECK_EQUAL(refused.error(), ec::transport_failed);
}
