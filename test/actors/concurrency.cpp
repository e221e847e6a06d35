#define CAF_SUITE actors.concurrency

// These tests run real threads against the real scheduler: they show what a
// plain-thread user sees (atomic batches, safe reads during writes, a close
// racing writes). CI runs this suite under ThreadSanitizer. Nothing here
// waits on time except bounded waits for events that must arrive.

#include "podshare/store.hpp"

#include "podshare/net/memory/spawn.hpp"
#include "podshare/replica.hpp"

#include <caf/test/unit_test.hpp>

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/scoped_actor.hpp>

#include <algorithm>
#include <atomic>
#include <map>
#include <stdexcept>
#include <thread>
#include <unordered_map>
#include <vector>

using namespace podshare;
using namespace std::chrono_literals;

namespace {

using string_store = podshare::store<std::string>;

struct fixture {
  fixture() : sys(cfg), transport(net::spawn_memory_transport(sys)) {}

  ~fixture() { caf::anon_send(transport, close_atom::value); }

  string_store open(const std::string& node) {
    return open_on(node, transport);
  }

  string_store open_on(const std::string& node, transport_actor via,
                       options opts = {}) {
    opts.node_id = node;
    // These tests are about interleavings, not deadlines: under TSan on two
    // cores a store can wait seconds for a CPU.
    opts.transport_timeout = std::chrono::minutes{2};
    opts.call_timeout = std::chrono::minutes{2};
    auto res = string_store::open(sys, "topic", std::move(via), opts);
    CAF_REQUIRE(res);
    return std::move(*res);
  }

  caf::actor_system_config cfg;
  caf::actor_system sys;
  transport_actor transport;
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(concurrency_tests, fixture)

CAF_TEST(a write on one store reaches a blocking watcher of another) {
  auto a = open("a");
  auto b = open("b");
  auto events = b.watch(watch_filter::key("k"));
  CAF_REQUIRE(a.set("k", "v"));
  auto x = events.next(10s);
  CAF_REQUIRE(x.has_value());
  CAF_CHECK_EQUAL(x->key, "k");
  CAF_CHECK_EQUAL(*x->value, "v");
  CAF_CHECK_EQUAL(x->version.origin, "a");
  CAF_CHECK_EQUAL(b.get("k"), std::optional<std::string>{"v"});
  CAF_CHECK(!a.close());
  CAF_CHECK(!b.close());
  CAF_CHECK(!events.next(10s).has_value());
  CAF_CHECK(events.ended() == watch_end::closed);
}

CAF_TEST(a batch is all or nothing to a concurrent reader) {
  auto a = open("a");
  constexpr int rounds = 150;
  std::atomic<bool> done{false};
  std::atomic<int> torn{0};
  std::atomic<int> reads{0};
  std::thread reader{[&] {
    do {
      auto view = a.snapshot();
      auto x = view.find("x");
      auto y = view.find("y");
      bool both = x != view.end() && y != view.end();
      if ((x == view.end()) != (y == view.end())
          || (both && x->second != y->second))
        ++torn;
      ++reads;
      std::this_thread::yield();
    } while (!done);
  }};
  // Writes start once the reader reads, so the two overlap however the
  // threads are scheduled.
  while (reads == 0)
    std::this_thread::yield();
  for (int i = 0; i < rounds; ++i) {
    auto value = std::to_string(i);
    CAF_CHECK(a.set_many({{"x", value}, {"y", value}}));
  }
  done = true;
  reader.join();
  CAF_CHECK_EQUAL(torn.load(), 0);
  CAF_CHECK_EQUAL(a.get("x"), std::optional<std::string>{"149"});
}

namespace {

// Derived state of the tests below: live keys per first letter.
using counts_by_letter = std::map<char, int>;

void count_by_letter(counts_by_letter& counts,
                     const observed_change<std::string>& x) {
  auto letter = x.key.empty() ? '\0' : x.key[0];
  if (x.before != nullptr)
    --counts[letter];
  if (x.after != nullptr)
    ++counts[letter];
}

} // namespace

CAF_TEST(ranges and observers read one batch whole while the store writes) {
  auto a = open("a");
  auto b = open("b");
  // Entries already there are folded in when the observer starts.
  CAF_REQUIRE(a.set_many({{"a0", "-1"}, {"b0", "-1"}}));
  auto counts = a.observe<counts_by_letter>({}, count_by_letter);
  CAF_REQUIRE(counts);
  constexpr int rounds = 100;
  std::atomic<bool> done{false};
  std::atomic<int> torn{0};
  std::atomic<int> reads{0};
  std::thread reader{[&] {
    do {
      auto view = a.view();
      auto& derived = view.derived(*counts);
      auto as = view.prefix("a");
      auto bs = view.range("b", "c");
      // The counts were folded from exactly the map beside them, and a
      // range shows a batch (one value throughout) whole.
      auto count_of = [&](char c) {
        auto i = derived.find(c);
        return i == derived.end() ? 0 : i->second;
      };
      if (count_of('a') != static_cast<int>(as.size())
          || count_of('b') != static_cast<int>(bs.size()))
        ++torn;
      for (auto& entry : as)
        if (entry.second != as.front().second)
          ++torn;
      ++reads;
      std::this_thread::yield();
    } while (!done);
  }};
  while (reads == 0)
    std::this_thread::yield();
  // Each round writes every "a" key under one value, and on the other
  // store a different number of "b" keys; some rounds delete a few.
  for (int i = 0; i < rounds; ++i) {
    std::unordered_map<std::string, std::string> as;
    std::unordered_map<std::string, std::string> bs;
    for (int k = 0; k < 7; ++k)
      as["a" + std::to_string(k)] = std::to_string(i);
    for (int k = 0; k <= i % 7; ++k)
      bs["b" + std::to_string(k)] = std::to_string(i);
    CAF_CHECK(a.set_many(as));
    CAF_CHECK(b.set_many(bs));
    if (i % 5 == 4)
      CAF_CHECK(b.erase_many({"b5", "b6"}));
  }
  done = true;
  reader.join();
  CAF_CHECK_EQUAL(torn.load(), 0);
  CAF_CHECK(reads.load() > 0);
  // The writes from b reach a; then the counts are those of the map.
  CAF_REQUIRE(!a.wait_for(token_of(*b.set("a0", "last")), 60s));
  auto view = a.view();
  CAF_CHECK_EQUAL(view.derived(*counts).at('a'),
                  static_cast<int>(view.prefix("a").size()));
  auto keys = view.keys();
  CAF_CHECK(std::is_sorted(keys.begin(), keys.end()));
  CAF_CHECK_EQUAL(keys, a.keys());
  CAF_CHECK_EQUAL(view.revision(), a.revision());
  CAF_CHECK(counts->failure().empty());
}

CAF_TEST(a fold that throws freezes its state and the map goes on) {
  auto a = open("a");
  // The state's type comes from the initial value; the fold is a lambda.
  auto seen = a.observe(0, [](int& n, const observed_change<std::string>& x) {
    if (x.key == "bad")
      throw std::runtime_error("no bad keys");
    ++n;
  });
  CAF_REQUIRE(seen);
  CAF_REQUIRE(a.set("good", "1"));
  CAF_CHECK_EQUAL(a.view().derived(*seen), 1);
  CAF_REQUIRE(a.set("bad", "1"));
  CAF_REQUIRE(a.set("good", "2"));
  CAF_CHECK_EQUAL(a.view().derived(*seen), 1);
  CAF_CHECK_EQUAL(seen->failure(), "no bad keys");
  CAF_CHECK_EQUAL(a.get("good"), std::optional<std::string>{"2"});
  auto other = open("other");
  bool refused = false;
  try {
    other.view().derived(*seen);
  } catch (const std::invalid_argument&) {
    refused = true;
  }
  CAF_CHECK(refused);
}

CAF_TEST(readers on many threads read safely while the store writes) {
  auto a = open("a");
  CAF_REQUIRE(a.set("k", "0"));
  std::atomic<bool> done{false};
  std::atomic<int> bad{0};
  std::atomic<uint64_t> gets{0};
  std::vector<std::thread> readers;
  for (int t = 0; t < 2; ++t)
    readers.emplace_back([&] {
      do {
        auto v = a.get("k");
        if (!v || v->empty())
          ++bad;
        a.version("k");
        ++gets;
        std::this_thread::yield();
      } while (!done);
    });
  // Writes start once a reader reads, so the two overlap however the
  // threads are scheduled.
  while (gets == 0)
    std::this_thread::yield();
  for (int i = 1; i <= 200; ++i)
    CAF_CHECK(a.set("k", std::to_string(i)));
  done = true;
  for (auto& r : readers)
    r.join();
  CAF_CHECK_EQUAL(bad.load(), 0);
  // Every get from every thread is counted, and nothing else is.
  CAF_CHECK_EQUAL(a.stats().reads, gets.load());
  CAF_CHECK_EQUAL(a.get("k"), std::optional<std::string>{"200"});
}

CAF_TEST(writes racing a close neither crash nor deadlock) {
  auto a = open("a");
  std::atomic<int> ok{0};
  std::atomic<int> closed{0};
  std::atomic<int> other{0};
  std::vector<std::thread> writers;
  for (int t = 0; t < 3; ++t)
    writers.emplace_back([&, t] {
      for (int i = 0; i < 100; ++i) {
        auto res = a.set("k" + std::to_string(t), std::to_string(i));
        if (res)
          ++ok;
        else if (res.error() == ec::closed)
          ++closed;
        else
          ++other;
      }
    });
  std::thread closer{[&] { CAF_CHECK(!a.close(10s)); }};
  closer.join();
  for (auto& w : writers)
    w.join();
  CAF_CHECK_EQUAL(ok + closed, 300);
  CAF_CHECK_EQUAL(other.load(), 0);
  auto after = a.set("after", "x");
  CAF_CHECK_EQUAL(after.error(), ec::closed);
  // Reads keep working after close.
  CAF_CHECK_EQUAL(a.get("after"), std::nullopt);
}

CAF_TEST(open refuses an empty topic a missing transport and a partial codec) {
  auto no_topic = string_store::open(sys, "", transport);
  CAF_CHECK_EQUAL(no_topic.error(), ec::invalid_argument);
  auto no_transport = string_store::open(sys, "t", transport_actor{});
  CAF_CHECK_EQUAL(no_transport.error(), ec::invalid_argument);
  // Every encode goes through encode_into: without it a store could not
  // check a peer's values, build a snapshot or answer a get.
  auto no_encode = make_value_ops<std::string>();
  no_encode.encode_into = nullptr;
  auto partial = spawn_store(sys, "t", transport, no_encode, options{});
  CAF_CHECK_EQUAL(partial.error(), ec::invalid_argument);
}

// Writers on several threads against a transport with a 1 KiB ingest
// budget: publishes wait for the receiving store on its own
// scheduler thread, which hands the budget back as it applies.
CAF_TEST(writers held back by a small ingest budget lose nothing) {
  auto small = net::spawn_memory_transport(sys, 1024);
  // No digests: they ride the same budget, and one still in flight when
  // the test reads the budget would count (TSan makes the test outlast the
  // 10 s between digests).
  options quiet;
  quiet.anti_entropy_interval = caf::timespan{0};
  auto a = open_on("a", small, quiet);
  auto b = open_on("b", small, quiet);
  constexpr int threads = 4;
  constexpr int writes = 200;
  std::vector<std::thread> writers;
  for (int t = 0; t < threads; ++t)
    writers.emplace_back([&a, t] {
      for (int i = 0; i < writes; ++i)
        a.set("k" + std::to_string(t) + "-" + std::to_string(i),
              std::string(300, 'v'));
    });
  for (auto& x : writers)
    x.join();
  // Every publish was answered, so every message is in b's mailbox; a
  // request to b is handled after them.
  CAF_REQUIRE(b.refresh());
  CAF_CHECK_EQUAL(b.keys().size(), size_t{threads} * writes);
  caf::scoped_actor self{sys};
  self
    ->request(caf::actor_cast<transport_status_actor>(small), 10s,
              stats_atom::value)
    .receive(
      [](const transport_status& x) {
        CAF_CHECK_GREATER(x.ingest.pauses, 0u);
        CAF_CHECK_EQUAL(x.ingest.in_flight, 0u);
      },
      [](const caf::error& err) { CAF_FAIL(describe(err)); });
  CAF_CHECK(!a.close());
  CAF_CHECK(!b.close());
  caf::anon_send(small, close_atom::value);
}

CAF_TEST(close with a timeout is idempotent) {
  auto a = open("a");
  CAF_CHECK(!a.close(1s));
  CAF_CHECK(!a.close(1s));
  CAF_CHECK(!a.close());
}

CAF_TEST_FIXTURE_SCOPE_END()

// The replica without any actor: a plain writer thread and plain reader
// threads. ThreadSanitizer sees every edge here (CAF's own hand-offs are
// invisible to it, see test/tsan.supp), so this is where it checks the
// trie's publication and the epoch-based reclamation.
CAF_TEST(replica readers on plain threads race a plain writer safely) {
  auto map = std::make_shared<replica>(layout_of<std::string>());
  auto put = [&](int i) {
    auto value = std::to_string(i);
    // Writers come and go: origins are interned and freed as entries go.
    auto writer = "w" + std::to_string(i % 3);
    map->put("k" + std::to_string(i % 64),
             version{i, writer, static_cast<uint64_t>(i)}, &value);
  };
  std::atomic<bool> done{false};
  std::atomic<int> bad{0};
  std::vector<std::thread> readers;
  for (int t = 0; t < 2; ++t)
    readers.emplace_back([&] {
      while (!done) {
        map->read("k7", [&](const record* x) {
          if (x != nullptr && (x->tombstone() || x->origin().size() != 2))
            ++bad;
        });
        replica::pinned_view view{map};
        view.for_each([&](const record& x) {
          if (x.value_as<std::string>().empty())
            ++bad;
        });
        std::string last;
        map->for_range("k1", "k5", [&](const record& x) {
          if (x.key() <= last || x.value_as<std::string>().empty())
            ++bad;
          last = x.key();
          return true;
        });
        std::this_thread::yield();
      }
    });
  for (int i = 1; i <= 3000; ++i) {
    put(i);
    if (i % 10 == 0)
      map->remove("k" + std::to_string((i / 10) % 64));
    map->publish();
  }
  done = true;
  for (auto& r : readers)
    r.join();
  CAF_CHECK_EQUAL(bad.load(), 0);
}
