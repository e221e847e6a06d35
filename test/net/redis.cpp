#define CAF_SUITE net.redis

// The Redis transport against a real redis-server that each test starts on
// 127.0.0.1 and a random high port. Replication crosses real sockets, so
// tests wait for conditions with generous deadlines; nothing asserts a
// duration except that failing to connect ends within the connect timeout.

#include "podshare/store.hpp"

#include "podshare/configure.hpp"
#include "podshare/detail/base64.hpp"
#include "podshare/net/redis/spawn.hpp"
#include "podshare/net/redis/transport.hpp"
#include "podshare/wire.hpp"
#include "support/eventually.hpp"
#include "support/redis_server.hpp"

#include <caf/test/unit_test.hpp>

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/scoped_actor.hpp>
#include <caf/typed_event_based_actor.hpp>
#include <caf/io/middleman.hpp>

#include <hiredis/hiredis.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <functional>
#include <future>
#include <map>
#include <mutex>
#include <set>
#include <sstream>
#include <vector>
#include <thread>
#include <unordered_map>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

using namespace podshare;
using namespace std::chrono_literals;
using podshare::testing::eventually;
using podshare::testing::redis_server;

namespace {

using string_store = podshare::store<std::string>;
using clock_type = std::chrono::steady_clock;

// A plain hiredis client, to see what the transport wrote.
struct plain_client {
  explicit plain_client(uint16_t port) {
    ctx = redisConnect("127.0.0.1", port);
    timeval timeout{10, 0};
    redisSetTimeout(ctx, timeout);
  }
  ~plain_client() { redisFree(ctx); }

  // Runs a command; the reply's string, integer as text, or array elements
  // joined by newlines.
  std::string run(std::vector<std::string> args) {
    std::vector<const char*> argv;
    std::vector<size_t> lens;
    for (auto& x : args) {
      argv.push_back(x.data());
      lens.push_back(x.size());
    }
    auto* r = static_cast<redisReply*>(redisCommandArgv(
      ctx, static_cast<int>(argv.size()), argv.data(), lens.data()));
    return take(r);
  }

  // The next message of a subscription, as its payload.
  std::string next_message() {
    void* raw = nullptr;
    if (redisGetReply(ctx, &raw) != REDIS_OK || raw == nullptr)
      return {};
    auto* r = static_cast<redisReply*>(raw);
    std::string payload;
    if (r->type == REDIS_REPLY_ARRAY && r->elements == 3)
      payload.assign(r->element[2]->str, r->element[2]->len);
    freeReplyObject(r);
    return payload;
  }

  static std::string take(redisReply* r) {
    if (r == nullptr)
      return "<no reply>";
    std::string out;
    switch (r->type) {
      case REDIS_REPLY_INTEGER: out = std::to_string(r->integer); break;
      case REDIS_REPLY_ARRAY:
        for (size_t i = 0; i < r->elements; ++i)
          out += std::string(r->element[i]->str, r->element[i]->len) + "\n";
        break;
      case REDIS_REPLY_NIL: out = "<nil>"; break;
      default: out.assign(r->str, r->len);
    }
    freeReplyObject(r);
    return out;
  }

  redisContext* ctx;
};

struct fixture {
  fixture() : sys(init(cfg)) {
    if (!server.ok())
      CAF_FAIL(server.error());
  }

  ~fixture() {
    for (auto& x : transports)
      caf::anon_send(x, close_atom::value);
  }

  static caf::actor_system_config& init(caf::actor_system_config& cfg) {
    cfg.load<caf::io::middleman>();
    podshare::configure(cfg);
    return cfg;
  }

  net::redis_options redis_opts() {
    net::redis_options opts;
    opts.port = server.port();
    opts.connect_timeout = 2s;
    opts.reconnect_min = 20ms;
    opts.reconnect_max = 200ms;
    opts.resync_settle = 300ms;
    opts.resync_interval = 1s;
    opts.error_handler = [this](const caf::error& err) { record(err); };
    return opts;
  }

  transport_actor connect(net::redis_options opts) {
    auto res = net::spawn_redis_transport(sys, opts);
    if (!res)
      CAF_FAIL(describe(res.error()));
    transports.push_back(*res);
    return *res;
  }

  transport_actor connect() { return connect(redis_opts()); }

  options store_opts(const std::string& node) {
    options opts;
    opts.node_id = node;
    opts.snapshot_interval = 50ms;
    opts.error_handler = [this](const caf::error& err) { record(err); };
    return opts;
  }

  template <class Store = string_store>
  Store open(const std::string& node, transport_actor via,
             const std::string& topic = "t") {
    auto res = Store::open(sys, topic, std::move(via), store_opts(node));
    if (!res)
      CAF_FAIL(describe(res.error()));
    return std::move(*res);
  }

  void record(const caf::error& err) {
    std::lock_guard<std::mutex> guard{mtx};
    reported.push_back(describe(err));
  }

  // How many reported errors contain `text`.
  size_t reports_with(const std::string& text) {
    std::lock_guard<std::mutex> guard{mtx};
    return std::count_if(
      reported.begin(), reported.end(),
      [&](const std::string& x) { return x.find(text) != std::string::npos; });
  }

  redis_server server;
  // Before the system: its actors report until it has shut down.
  std::mutex mtx;
  std::vector<std::string> reported;
  caf::actor_system_config cfg;
  caf::actor_system sys;
  std::vector<transport_actor> transports;
};

// Every key with its value, for comparing two replicas.
std::map<std::string, std::string> contents(const string_store& s) {
  std::map<std::string, std::string> result;
  for (auto& key : s.keys())
    if (auto value = s.get(key))
      result.emplace(key, *value);
  return result;
}

} // namespace

CAF_TEST_FIXTURE_SCOPE(redis_tests, fixture)

CAF_TEST(a set and a delete replicate between two transports) {
  auto a = open("a", connect());
  auto b = open("b", connect());
  CAF_CHECK(a.set("k", "v"));
  CAF_CHECK(eventually([&] { return b.get("k") == "v"; }));
  CAF_CHECK(b.erase("k"));
  CAF_CHECK(eventually([&] { return !a.get("k"); }));
  CAF_CHECK_EQUAL(a.stats().writes_rejected, 0u);
}

CAF_TEST(a late joiner hydrates from the stored snapshot) {
  {
    auto a = open("a", connect());
    for (int i = 0; i < 100; ++i)
      CAF_CHECK(a.set("key" + std::to_string(i), std::to_string(i)));
    CAF_CHECK(!a.close()); // Flushes the snapshot.
  }
  auto late = open("late", connect());
  // Ready to read as soon as open returns: no waiting.
  CAF_CHECK_EQUAL(late.keys().size(), 100u);
  CAF_CHECK_EQUAL(late.get("key42"), std::optional<std::string>{"42"});
}

CAF_TEST(channel and snapshot key have the documented names) {
  auto opts = redis_opts();
  opts.prefix = "acme";
  auto a = open("a", connect(opts), "orders");
  CAF_CHECK(a.set("k", "v"));
  CAF_CHECK(!a.close());
  plain_client client{server.port()};
  CAF_CHECK_EQUAL(client.run({"EXISTS", "acme:orders:snapshot"}), "1");
  auto b = open("b", connect(opts), "orders");
  // The events, and the repair protocol's digests and b's inbox.
  auto channels = [&](const std::string& pattern) {
    auto text = client.run({"PUBSUB", "CHANNELS", pattern});
    std::vector<std::string> lines;
    std::istringstream in{text};
    for (std::string line; std::getline(in, line);)
      lines.push_back(line);
    std::sort(lines.begin(), lines.end());
    return lines;
  };
  CAF_CHECK_EQUAL(channels("acme:*"),
                  (std::vector<std::string>{"acme:orders:events",
                                            "acme:orders:repair:b:events",
                                            "acme:orders:repair:events"}));
  auto c = open("c", connect(), "orders");
  CAF_CHECK_EQUAL(channels("podshare:*"),
                  (std::vector<std::string>{"podshare:orders:events",
                                            "podshare:orders:repair:c:events",
                                            "podshare:orders:repair:events"}));
}

CAF_TEST(go json events interoperate through redis cli and a plain client) {
  using json_store = podshare::store<std::string, json_codec<std::string>>;
  auto opts = store_opts("cpp");
  opts.wire = wire::format::json;
  auto res = json_store::open(sys, "t", connect(), opts);
  CAF_REQUIRE(res);
  auto& s = *res;
  // What a Go podshare pod publishes: the value is base64 of the JSON codec.
  std::string value = R"("from go")";
  auto encoded = detail::base64_encode(
    reinterpret_cast<const uint8_t*>(value.data()), value.size());
  auto go_event
    = R"({"v":1,"kind":"set","key":"go","value":")" + encoded
      + R"(","origin":"gopod","timestamp":"2026-11-23T10:00:00.5Z","seq":7})";
  CAF_CHECK_EQUAL(server.cli({"PUBLISH", "podshare:t:events", go_event}),
                  "1\n");
  CAF_CHECK(eventually([&] { return s.get("go") == "from go"; }));
  // Ours, read back by a plain client, is the same JSON form.
  plain_client listener{server.port()};
  listener.run({"SUBSCRIBE", "podshare:t:events"});
  CAF_CHECK(s.set("cpp", "from c++"));
  auto doc = nlohmann::json::parse(listener.next_message(), nullptr, false);
  CAF_REQUIRE(!doc.is_discarded());
  CAF_CHECK_EQUAL(doc["v"], 1);
  CAF_CHECK_EQUAL(doc["kind"], "set");
  CAF_CHECK_EQUAL(doc["key"], "cpp");
  CAF_CHECK_EQUAL(doc["origin"], "cpp");
  auto decoded = detail::base64_decode(doc["value"].get<std::string>());
  std::string expected = R"("from c++")";
  CAF_CHECK(decoded && *decoded == bytes(expected.begin(), expected.end()));
  auto stamp = doc["timestamp"].get<std::string>();
  CAF_CHECK_EQUAL(stamp.back(), 'Z');
}

CAF_TEST(stores converge after the server is killed and restarted) {
  auto a = open("a", connect());
  auto b = open("b", connect());
  std::atomic<bool> stop{false};
  std::atomic<int> sent_writes{0};
  std::atomic<int> failed_writes{0};
  std::atomic<int> slowest{0}; // Writes of the writer that wrote fewer.
  auto writer = [&](string_store& s, const std::string& prefix,
                    std::atomic<int>& mine, std::atomic<int>& theirs) {
    for (int i = 0; !stop; ++i) {
      if (s.set(prefix + std::to_string(i % 200), std::to_string(i)))
        ++sent_writes;
      else
        ++failed_writes;
      mine = i + 1;
      slowest = std::min(mine.load(), theirs.load());
      std::this_thread::yield();
    }
  };
  std::atomic<int> done_a{0};
  std::atomic<int> done_b{0};
  std::thread wa{writer, std::ref(a), "a", std::ref(done_a), std::ref(done_b)};
  std::thread wb{writer, std::ref(b), "b", std::ref(done_b), std::ref(done_a)};
  // Each phase lasts until the writers have written in it, not for a time;
  // before the kill each has written all of its 200 keys.
  auto writes_until = [&](std::atomic<int>& counter, int more) {
    auto target = counter.load() + more;
    return eventually([&] { return counter.load() >= target; });
  };
  CAF_CHECK(eventually([&] { return slowest.load() >= 200; }));
  server.kill();
  CAF_CHECK(writes_until(failed_writes, 200));
  CAF_CHECK(server.restart());
  CAF_CHECK(writes_until(sent_writes, 400));
  stop = true;
  wa.join();
  wb.join();
  CAF_CHECK_GREATER(failed_writes.load(), 0);
  CAF_CHECK(eventually([&] {
    auto x = contents(a);
    return x.size() == 400 && x == contents(b);
  }));
  CAF_MESSAGE("a holds " << contents(a).size() << " keys, b "
                         << contents(b).size() << "; " << failed_writes
                         << " writes saw broadcast_failed");
  CAF_CHECK_GREATER(reports_with("reconnecting"), 0u);
  // The restarted server holds a snapshot again, with every key.
  CAF_CHECK(eventually([&] {
    auto late = open("late", connect());
    return contents(late) == contents(a);
  }));
}

CAF_TEST(a wrong password is a clear error within the timeout) {
  redis_server guarded{{"--requirepass", "secret"}};
  CAF_REQUIRE(guarded.ok());
  auto opts = redis_opts();
  opts.port = guarded.port();
  opts.connect_timeout = 1s;
  opts.password = "wrong";
  auto start = clock_type::now();
  auto res = net::spawn_redis_transport(sys, opts);
  CAF_REQUIRE(!res);
  auto err = res.error();
  CAF_CHECK_EQUAL(err, caf::make_error(ec::transport_failed));
  CAF_MESSAGE(describe(err));
  CAF_CHECK_NOT_EQUAL(describe(err).find("refused AUTH"), std::string::npos);
  CAF_CHECK_LESS(clock_type::now() - start, opts.connect_timeout + 1s);
  opts.password.clear();
  auto anonymous = net::spawn_redis_transport(sys, opts);
  CAF_REQUIRE(!anonymous);
  CAF_CHECK_NOT_EQUAL(describe(anonymous.error()).find("NOAUTH"),
                      std::string::npos);
  opts.password = "secret";
  auto ok = net::spawn_redis_transport(sys, opts);
  CAF_CHECK(ok);
  if (ok)
    caf::anon_send(*ok, close_atom::value);
}

CAF_TEST(an unreachable or silent server is a clear error within the timeout) {
  auto opts = redis_opts();
  opts.connect_timeout = 500ms;
  opts.port = testing::free_port(); // Nothing listens there.
  auto refused = net::spawn_redis_transport(sys, opts);
  CAF_REQUIRE(!refused);
  CAF_MESSAGE(describe(refused.error()));
  CAF_CHECK_NOT_EQUAL(describe(refused.error()).find("refused"),
                      std::string::npos);
  // A server that accepts and never answers.
  int listener = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  CAF_REQUIRE_EQUAL(
    ::bind(listener, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
  ::listen(listener, 8);
  socklen_t len = sizeof(addr);
  ::getsockname(listener, reinterpret_cast<sockaddr*>(&addr), &len);
  opts.port = ntohs(addr.sin_port);
  auto start = clock_type::now();
  auto silent = net::spawn_redis_transport(sys, opts);
  auto took = clock_type::now() - start;
  ::close(listener);
  CAF_REQUIRE(!silent);
  CAF_MESSAGE(describe(silent.error()));
  CAF_CHECK_NOT_EQUAL(describe(silent.error()).find("connect_timeout"),
                      std::string::npos);
  CAF_CHECK_GREATER_OR_EQUAL(took, opts.connect_timeout);
  CAF_CHECK_LESS(took, opts.connect_timeout + 1s);
}

CAF_TEST(garbage on the channel is reported and the store keeps serving) {
  auto opts = redis_opts();
  opts.max_message_bytes = 64 * 1024;
  auto a = open("a", connect(opts));
  auto b = open("b", connect());
  plain_client client{server.port()};
  client.run({"PUBLISH", "podshare:t:events",
              std::string("\x93\xff\x00", 3) + "garbage"});
  client.run({"PUBLISH", "podshare:t:events",
              R"({"v":99,"kind":"set","key":"x","origin":"o",)"
              R"("timestamp":"2026-11-23T10:00:00Z","seq":1})"});
  client.run({"PUBLISH", "podshare:t:events", std::string(100 * 1024, '{')});
  // A message for another topic does not reach this topic's store.
  auto other = wire::encode_events(
    wire::format::msgpack, {event{event_kind::set, "other", bytes{0xa1, 'x'},
                                  nullptr, version{1, "o", 1}}});
  client.run({"PUBLISH", "podshare:other:events",
              std::string(other.begin(), other.end())});
  CAF_CHECK(eventually([&] {
    return reports_with("exceeds max_message_bytes") == 1
           && reports_with("unsupported_protocol_version") >= 1
           && reports_with("decode_failed") >= 1;
  }));
  CAF_CHECK(!a.get("other"));
  CAF_CHECK(!a.get("x"));
  CAF_CHECK(b.set("after", "garbage"));
  CAF_CHECK(eventually([&] { return a.get("after") == "garbage"; }));
  CAF_CHECK(a.set("still", "serving"));
  CAF_CHECK(eventually([&] { return b.get("still") == "serving"; }));
}

// Redis goes on delivering what was published before it saw an UNSUBSCRIBE:
// a store that closes while its channel is busy is no error.
CAF_TEST(messages after a store unsubscribed are dropped without a report) {
  auto via = connect();
  auto a = open("a", via, "busy");
  auto b = open("b", via, "quiet");
  auto event = wire::encode_events(
    wire::format::msgpack,
    {podshare::event{event_kind::set, "k", bytes{0xa1, 'v'}, nullptr,
                     version{1, "o", 1}}});
  std::string payload(event.begin(), event.end());
  std::atomic<bool> stop{false};
  std::atomic<size_t> published{0};
  std::thread publisher{[&] {
    plain_client client{server.port()};
    while (!stop) {
      client.run({"PUBLISH", "podshare:busy:events", payload});
      ++published;
    }
  }};
  CAF_CHECK(eventually([&] { return published > 200; }));
  CAF_CHECK(!a.close());
  auto after_close = published.load();
  CAF_CHECK(eventually([&] { return published > after_close + 200; }));
  stop = true;
  publisher.join();
  // The subscription connection is ordered: once b has this write, the
  // transport has handled every message published before it.
  plain_client client{server.port()};
  auto marker = wire::encode_events(
    wire::format::msgpack,
    {podshare::event{event_kind::set, "marker", bytes{0xa1, 'm'}, nullptr,
                     version{2, "o", 2}}});
  client.run({"PUBLISH", "podshare:quiet:events",
              std::string(marker.begin(), marker.end())});
  CAF_CHECK(eventually([&] { return b.get("marker") == "m"; }));
  CAF_CHECK_EQUAL(reports_with("no store here subscribed"), 0u);
}

// A subscriber that stops handling messages: the transport reads on until
// its ingest budget is spent, then leaves the rest in the kernel and in
// Redis, and hands over every message once the subscriber goes on.
CAF_TEST(a subscriber that falls behind holds reading to the ingest budget) {
  auto opts = redis_opts();
  opts.ingest_budget = 64 * 1024;
  auto transport = connect(opts);
  auto status = [&] {
    caf::scoped_actor self{sys};
    transport_status x;
    self
      ->request(caf::actor_cast<transport_status_actor>(transport), 5s,
                stats_atom::value)
      .receive([&](transport_status& y) { x = std::move(y); },
               [&](caf::error& err) { CAF_FAIL(describe(err)); });
    return x.ingest;
  };
  std::promise<void> go_on;
  auto blocked = go_on.get_future().share();
  constexpr int messages = 2000;
  auto received = std::make_shared<std::atomic<int>>(0);
  auto in_order = std::make_shared<std::atomic<bool>>(true);
  auto all_received = std::make_shared<std::promise<void>>();
  auto done = all_received->get_future();
  auto subscriber
    = sys.spawn<caf::detached>([=]() -> subscriber_actor::behavior_type {
        return {
          [=](deliver_atom, const std::string&, const bytes& payload,
              const ingest_ticket&) {
            blocked.wait();
            auto n = (*received)++;
            if (std::string(payload.begin(), payload.begin() + 8)
                != std::to_string(10000000 + n))
              *in_order = false;
            if (n + 1 == messages)
              all_received->set_value();
          },
          [](resync_atom, const std::string&) {},
        };
      });
  {
    caf::scoped_actor self{sys};
    self
      ->request(transport, 5s, subscribe_atom::value, std::string{"raw"},
                subscriber)
      .receive([](ok_atom) {},
               [&](caf::error& err) { CAF_FAIL(describe(err)); });
  }
  plain_client client{server.port()};
  for (int i = 0; i < messages; ++i)
    redisAppendCommand(
      client.ctx, "PUBLISH podshare:raw:events %s",
      (std::to_string(10000000 + i) + std::string(992, 'x')).c_str());
  for (int i = 0; i < messages; ++i) {
    void* reply = nullptr;
    CAF_REQUIRE_EQUAL(redisGetReply(client.ctx, &reply), REDIS_OK);
    freeReplyObject(reply);
  }
  // 2 MB published, held back at the budget: two reads of 64 KiB and the
  // messages made of them (each charged with its overhead, under twice
  // its size here) may go past it. Over real sockets only polling tells
  // when the transport has read that far.
  CAF_CHECK(eventually([&] { return status().pauses >= 1; }));
  auto held = status();
  CAF_CHECK_GREATER_OR_EQUAL(held.peak, opts.ingest_budget);
  CAF_CHECK_LESS(held.peak, opts.ingest_budget + 2 * 3 * 64 * 1024);
  CAF_CHECK_EQUAL(*received, 0);
  go_on.set_value();
  CAF_REQUIRE(done.wait_for(60s) == std::future_status::ready);
  CAF_CHECK(*in_order);
  // At most the last message is still being destroyed.
  CAF_CHECK_LESS_OR_EQUAL(status().in_flight,
                          1000 + 3 + ingest_budget::message_overhead);
  CAF_CHECK_EQUAL(status().overruns, 0u);
  CAF_CHECK_EQUAL(reports_with("ingest_overrun"), 0u);
  caf::anon_send_exit(subscriber, caf::exit_reason::user_shutdown);
}

CAF_TEST(concurrent snapshots join instead of overwriting each other) {
  auto transport = connect();
  auto snapshot_of = [](const std::string& key, int64_t stamp) {
    return wire::encode_snapshot(wire::format::msgpack,
                                 {event{event_kind::set, key, bytes{0xa1, 'v'},
                                        nullptr, version{stamp, "n", 1}}});
  };
  auto store = [&](caf::scoped_actor& pod, const char* topic, const char* key) {
    pod
      ->request(transport, 5s, store_snap_atom::value, std::string{topic},
                snapshot_of(key, 10))
      .receive([](ok_atom) {},
               [](caf::error& err) { CAF_FAIL(describe(err)); });
  };
  auto stored_keys = [&](const char* topic) {
    caf::scoped_actor self{sys};
    bytes stored;
    self->request(transport, 5s, fetch_snap_atom::value, std::string{topic})
      .receive([&](bytes& x) { stored = std::move(x); },
               [](caf::error& err) { CAF_FAIL(describe(err)); });
    std::set<std::string> keys;
    if (auto entries = wire::decode_snapshot(stored.data(), stored.size()))
      for (auto& x : *entries)
        keys.insert(x.key);
    return keys;
  };
  using keys = std::set<std::string>;
  caf::scoped_actor pod_a{sys};
  caf::scoped_actor pod_b{sys};
  store(pod_a, "t", "x");
  store(pod_b, "t", "y");
  CAF_CHECK_EQUAL(stored_keys("t"), (keys{"x", "y"}));
  // A pod that finds the very snapshot it stored replaces it without a
  // join: its next snapshot holds all of it (interfaces.hpp), which this
  // one, to tell, does not.
  store(pod_a, "u", "x");
  store(pod_a, "u", "z");
  CAF_CHECK_EQUAL(stored_keys("u"), (keys{"z"}));
  store(pod_b, "u", "y");
  CAF_CHECK_EQUAL(stored_keys("u"), (keys{"y", "z"}));
}

CAF_TEST(a stored snapshot that does not decode is kept not replaced) {
  auto transport = connect();
  // As a newer version might write it: a known format we cannot read.
  std::string foreign("\x93\xff\x00"
                      "from the future",
                      18);
  plain_client client{server.port()};
  CAF_REQUIRE_EQUAL(client.run({"SET", "podshare:t:snapshot", foreign}), "OK");
  auto ours = wire::encode_snapshot(
    wire::format::msgpack, {event{event_kind::set, "x", bytes{0xa1, 'v'},
                                  nullptr, version{10, "n", 1}}});
  caf::scoped_actor self{sys};
  auto store_ours = [&] {
    caf::error result;
    self->request(transport, 5s, store_snap_atom::value, std::string{"t"}, ours)
      .receive([](ok_atom) {}, [&](caf::error& err) { result = err; });
    return result;
  };
  auto refused = store_ours();
  CAF_REQUIRE(refused);
  CAF_CHECK_NOT_EQUAL(describe(refused).find("kept, not replaced"),
                      std::string::npos);
  CAF_CHECK_EQUAL(client.run({"GET", "podshare:t:snapshot"}), foreign);
  // Once an operator deletes it, the next snapshot goes through.
  client.run({"DEL", "podshare:t:snapshot"});
  CAF_CHECK(!store_ours());
  auto stored = client.run({"GET", "podshare:t:snapshot"});
  CAF_CHECK_EQUAL(stored, std::string(ours.begin(), ours.end()));
}

CAF_TEST(merged values converge when pods open while others append) {
  using set_store = podshare::store<std::set<std::string>>;
  auto join
    = [](const std::set<std::string>& x, const std::set<std::string>& y) {
        auto result = x;
        result.insert(y.begin(), y.end());
        return result;
      };
  std::vector<set_store> pods;
  // Each pod opens and appends at once, before the previous pods' snapshots
  // are persisted: what they appended before it subscribed is neither in
  // the snapshot it loads nor on its way to it.
  for (auto name : {"a", "b", "c"}) {
    auto pod = set_store::open(sys, "t", connect(), store_opts(name), join);
    CAF_REQUIRE(pod);
    CAF_CHECK(pod->set("k", {std::string{name}}));
    pods.push_back(std::move(*pod));
  }
  std::set<std::string> all{"a", "b", "c"};
  CAF_CHECK(eventually([&] {
    for (auto& pod : pods)
      if (pod.get("k") != all)
        return false;
    return true;
  }));
  for (auto& pod : pods)
    CAF_MESSAGE("pod holds "
                << pod.get("k").value_or(std::set<std::string>{}).size()
                << " items");
}

CAF_TEST(a set and a delete replicate between two processes) {
  auto s = open("parent", connect());
  auto pid = ::fork();
  if (pid == 0) {
    auto port = std::to_string(server.port());
    ::execl(PODSHARE_REDIS_POD, PODSHARE_REDIS_POD, port.c_str(), "t",
            static_cast<char*>(nullptr));
    ::_exit(127);
  }
  CAF_CHECK(eventually([&] { return s.get("from_child") == "hello"; }));
  CAF_CHECK(s.set("from_parent", "hi"));
  CAF_CHECK(eventually([&] { return !s.get("from_child"); }));
  CAF_CHECK(s.set("done", "1"));
  int status = -1;
  ::waitpid(pid, &status, 0);
  CAF_CHECK(WIFEXITED(status));
  CAF_CHECK_EQUAL(WEXITSTATUS(status), 0);
}

CAF_TEST(a pod cut off for a burst is repaired by difference) {
  // The ids of the connections subscribed to something.
  plain_client client{server.port()};
  auto subscribers = [&] {
    std::set<std::string> ids;
    std::istringstream in{client.run({"CLIENT", "LIST", "TYPE", "pubsub"})};
    for (std::string line; std::getline(in, line);)
      if (line.rfind("id=", 0) == 0)
        ids.insert(line.substr(3, line.find(' ') - 3));
    return ids;
  };
  auto a = open("a", connect());
  auto before = subscribers();
  // b reconnects slowly, so that the burst falls into its absence.
  auto slow = redis_opts();
  slow.reconnect_min = 500ms;
  slow.reconnect_max = 500ms;
  auto b = open("b", connect(slow));
  std::set<std::string> b_ids;
  for (auto& id : subscribers())
    if (before.count(id) == 0)
      b_ids.insert(id);
  CAF_REQUIRE_EQUAL(b_ids.size(), 1u);
  std::unordered_map<std::string, std::string> many;
  for (int i = 0; i < 2000; ++i)
    many.emplace("key" + std::to_string(i), "v");
  CAF_REQUIRE(a.set_many(many));
  CAF_REQUIRE(eventually([&] { return b.stats().keys == 2000; }));
  CAF_CHECK_EQUAL(client.run({"CLIENT", "KILL", "ID", *b_ids.begin()}), "1");
  for (int i = 0; i < 20; ++i)
    CAF_CHECK(a.set("burst" + std::to_string(i), "x"));
  CAF_CHECK(eventually([&] { return b.stats().keys == 2020; }));
  auto sa = a.stats();
  auto sb = b.stats();
  CAF_MESSAGE("b asked " << sb.repairs_requested << " times; a sent "
                         << sa.repair_entries_sent << " entries, "
                         << sa.repair_bytes_sent << " bytes");
  // The burst, not the map: no snapshot loaded, about 20 entries moved.
  CAF_CHECK_EQUAL(sb.repairs_full, 0u);
  CAF_CHECK_GREATER_OR_EQUAL(sb.repairs_requested, 1u);
  CAF_CHECK_GREATER_OR_EQUAL(sa.repair_entries_sent, 1u);
  CAF_CHECK_LESS_OR_EQUAL(sa.repair_entries_sent, 20u);
}

CAF_TEST(a write waited for in another process is read there 1000 times) {
  auto s = open("parent", connect());
  int to_child[2];
  int from_child[2];
  CAF_REQUIRE(::pipe(to_child) == 0 && ::pipe(from_child) == 0);
  auto pid = ::fork();
  if (pid == 0) {
    ::dup2(to_child[0], 0);
    ::dup2(from_child[1], 1);
    ::close(to_child[1]);
    ::close(from_child[0]);
    auto port = std::to_string(server.port());
    ::execl(PODSHARE_REDIS_POD, PODSHARE_REDIS_POD, port.c_str(), "t",
            "wait-for", static_cast<char*>(nullptr));
    ::_exit(127);
  }
  ::close(to_child[0]);
  ::close(from_child[1]);
  auto* out = ::fdopen(to_child[1], "w");
  auto* in = ::fdopen(from_child[0], "r");
  auto read_line = [in] {
    char buf[256];
    if (std::fgets(buf, sizeof(buf), in) == nullptr)
      return std::string{"(eof)"};
    std::string line{buf};
    if (!line.empty() && line.back() == '\n')
      line.pop_back();
    return line;
  };
  CAF_REQUIRE_EQUAL(read_line(), "ready");
  auto first = s.set("k", "first");
  CAF_REQUIRE(first);
  auto next = token_of(*first);
  int ok = 0;
  std::string first_failure;
  for (int i = 0; i < 1000; ++i) {
    auto value = "v" + std::to_string(i);
    // The child hears of the write before it is made (its token is the
    // next seq): a read that did not wait would see the older value.
    ++next.seq;
    std::fprintf(out, "k %s %s\n", to_string(next).c_str(), value.c_str());
    std::fflush(out);
    auto written = s.set("k", value);
    CAF_REQUIRE(written);
    CAF_REQUIRE(token_of(*written) == next);
    auto answer = read_line();
    if (answer == "ok")
      ++ok;
    else if (first_failure.empty())
      first_failure = std::to_string(i) + ": " + answer;
  }
  CAF_CHECK_EQUAL(ok, 1000);
  CAF_CHECK_EQUAL(first_failure, "");
  std::fclose(out);
  int status = -1;
  ::waitpid(pid, &status, 0);
  std::fclose(in);
  CAF_CHECK(WIFEXITED(status));
  CAF_CHECK_EQUAL(WEXITSTATUS(status), 0);
}

CAF_TEST_FIXTURE_SCOPE_END()

// A topic dropped, taken again and dropped again before Redis confirms the
// first UNSUBSCRIBE sends two: the channel stays quiet until both are
// confirmed. (Too narrow a window to provoke through a server reliably.)
CAF_TEST(a channel left twice waits for both confirmations) {
  net::redis::transport_state st;
  st.unsubscribing("c");
  st.unsubscribing("c");
  st.unsubscribed("c");
  CAF_CHECK(st.leaving("c"));
  st.unsubscribed("c");
  CAF_CHECK(!st.leaving("c"));
  st.unsubscribed("c"); // a confirmation nobody waits for
  CAF_CHECK(!st.leaving("c"));
  CAF_CHECK(!st.leaving("other"));
}
