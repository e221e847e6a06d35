#define CAF_SUITE apps.podsharectl

#include "commands.hpp"
#include "load.hpp"

#include "podshare/configure.hpp"
#include "podshare/key_range.hpp"
#include "podshare/net/memory/spawn.hpp"

#include <caf/test/unit_test.hpp>

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/scoped_actor.hpp>
#include <caf/send.hpp>

#include <nlohmann/json.hpp>

#include <chrono>
#include <future>
#include <sstream>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

using namespace podsharectl;
using nlohmann::json;
using namespace std::chrono_literals;

namespace {

struct config : caf::actor_system_config {
  config() { podshare::configure(*this); }
};

/// Two pods of podsharectl's store type on one memory transport.
struct fixture {
  config cfg;
  caf::actor_system sys{cfg};
  podshare::transport_actor transport
    = podshare::net::spawn_memory_transport(sys);
  json_store a = open("a");
  json_store b = open("b");

  json_store open(const std::string& node) {
    podshare::options opts;
    opts.node_id = node;
    auto s = json_store::open(sys, "ctl", transport, opts);
    CAF_REQUIRE(s);
    return std::move(*s);
  }

  ~fixture() {
    a.close();
    b.close();
    caf::anon_send(transport, caf::close_atom::value);
  }

  /// Waits up to ten seconds for `key` to reach pod b. The watch starts
  /// before the look-up, so an event that lands in between is not missed.
  bool reaches_b(const std::string& key) {
    auto events = b.watch(podshare::watch_filter::key(key));
    return b.get(key).has_value() || events.next(caf::timespan{10s});
  }

  /// Writes keys on pod a out of key order, deleting one: a, b, b/1, b/3,
  /// b0, c and d stay live; b/2 is a tombstone.
  void write_out_of_order() {
    for (auto& [k, v] :
         {std::pair{"d", json(4)}, std::pair{"b/3", json::array({3})},
          std::pair{"b0", json(0)}, std::pair{"a", json("a")},
          std::pair{"b/2", json(2)}, std::pair{"c", json(nullptr)},
          std::pair{"b", json("b")}, std::pair{"b/1", json{{"n", 1}}}})
      CAF_CHECK(set(a, k, v).code == exit_code::ok);
    CAF_CHECK(del(a, "b/2").code == exit_code::ok);
  }

  /// Returns what `printer(a, from, to, out)` printed on pod a; checks that
  /// it exited ok.
  template <class Printer>
  std::string print(Printer printer, std::string_view from,
                    std::string_view to) {
    std::ostringstream out;
    CAF_CHECK(printer(a, from, to, out).code == exit_code::ok);
    return out.str();
  }
};

std::vector<json> lines_of(const std::string& text) {
  std::vector<json> result;
  std::istringstream in{text};
  for (std::string line; std::getline(in, line);)
    result.push_back(json::parse(line));
  return result;
}

} // namespace

CAF_TEST_FIXTURE_SCOPE(podsharectl_tests, fixture)

CAF_TEST(a value set on one pod is printed by get on another) {
  auto doc = json::parse(R"({"limit":10,"tags":["x"]})");
  CAF_CHECK(set(a, "cfg", doc).code == exit_code::ok);
  CAF_REQUIRE(reaches_b("cfg"));
  std::ostringstream out;
  CAF_CHECK(get(b, "cfg", out).code == exit_code::ok);
  CAF_CHECK_EQUAL(out.str(), doc.dump() + "\n");
}

CAF_TEST(get of an absent or deleted key exits with absent) {
  std::ostringstream out;
  CAF_CHECK(get(a, "nope", out).code == exit_code::absent);
  CAF_CHECK(set(a, "k", json(1)).code == exit_code::ok);
  CAF_CHECK(del(a, "k").code == exit_code::ok);
  CAF_CHECK(get(a, "k", out).code == exit_code::absent);
  CAF_CHECK_EQUAL(out.str(), "");
}

CAF_TEST(keys are sorted and exclude deleted keys) {
  for (auto k : {"b", "c", "a"})
    CAF_CHECK(set(a, k, json(true)).code == exit_code::ok);
  CAF_CHECK(del(a, "c").code == exit_code::ok);
  std::ostringstream out;
  CAF_CHECK(keys(a, "", "", out).code == exit_code::ok);
  CAF_CHECK_EQUAL(out.str(), "a\nb\n");
}

CAF_TEST(keys with a prefix prints exactly its live keys in key order) {
  // "b" sorts just before the prefix, "b0" is its end ('/' + 1).
  write_out_of_order();
  // What main passes for `keys --prefix b/`.
  auto end = podshare::prefix_end("b/");
  CAF_CHECK_EQUAL(end, "b0");
  CAF_CHECK_EQUAL(print(keys, "b/", end), "b/1\nb/3\n");
  CAF_CHECK_EQUAL(print(entries, "b/", end), R"({"key":"b/1","value":{"n":1}}
{"key":"b/3","value":[3]}
)");
}

CAF_TEST(range prints exactly the live keys from its start up to its end) {
  write_out_of_order();
  // "a" sorts just before FROM; "c" is TO itself, excluded.
  CAF_CHECK_EQUAL(print(keys, "b", "c"), "b\nb/1\nb/3\nb0\n");
  // An empty TO is no upper bound.
  CAF_CHECK_EQUAL(print(keys, "b", ""), "b\nb/1\nb/3\nb0\nc\nd\n");
  CAF_CHECK_EQUAL(print(keys, "", ""), "a\nb\nb/1\nb/3\nb0\nc\nd\n");
  // FROM past TO is an empty range, not an error.
  CAF_CHECK_EQUAL(print(keys, "c", "b"), "");
}

CAF_TEST(range with values prints one JSON line per live entry in key order) {
  write_out_of_order();
  CAF_CHECK_EQUAL(print(entries, "b", "b0"), R"({"key":"b","value":"b"}
{"key":"b/1","value":{"n":1}}
{"key":"b/3","value":[3]}
)");
  CAF_CHECK_EQUAL(print(entries, "c", ""), R"({"key":"c","value":null}
{"key":"d","value":4}
)");
}

CAF_TEST(dump shows versions and tombstones only when asked) {
  CAF_CHECK(set(a, "live", json{{"x", 1}}).code == exit_code::ok);
  CAF_CHECK(set(a, "gone", json(2)).code == exit_code::ok);
  CAF_CHECK(del(a, "gone").code == exit_code::ok);
  std::ostringstream plain;
  std::ostringstream full;
  CAF_CHECK(dump(a, false, plain).code == exit_code::ok);
  CAF_CHECK(dump(a, true, full).code == exit_code::ok);
  CAF_MESSAGE("dump --tombstones: " << full.str());
  auto p = json::parse(plain.str());
  auto f = json::parse(full.str());
  CAF_CHECK_EQUAL(p.size(), 1u);
  CAF_CHECK_EQUAL(p["live"]["value"], json({{"x", 1}}));
  CAF_CHECK_EQUAL(p["live"]["origin"], "a");
  CAF_CHECK_EQUAL(p["live"]["seq"], 1);
  CAF_CHECK(p["live"]["timestamp"].get<std::string>().back() == 'Z');
  CAF_CHECK(!p["live"].contains("tombstone"));
  CAF_CHECK_EQUAL(f.size(), 2u);
  CAF_CHECK_EQUAL(f["gone"]["tombstone"], true);
  CAF_CHECK_EQUAL(f["gone"]["seq"], 3);
  CAF_CHECK(!f["gone"].contains("value"));
}

CAF_TEST(watch with a prefix prints exactly the matching events) {
  std::ostringstream out;
  outcome res;
  watch_limits limits;
  limits.count = 3;
  limits.timeout = caf::timespan{10s};
  std::promise<void> watching;
  limits.on_watching = [&] { watching.set_value(); };
  std::thread watcher{[&] {
    res = watch(b, podshare::watch_filter::prefix("user:"), limits, out);
  }};
  // The watch starts inside the thread: write only once the store has it.
  watching.get_future().wait();
  CAF_CHECK(set(a, "user:1", json("ann")).code == exit_code::ok);
  CAF_CHECK(set(a, "other", json("x")).code == exit_code::ok);
  CAF_CHECK(set(a, "user:2", json("bo")).code == exit_code::ok);
  CAF_CHECK(del(a, "user:1").code == exit_code::ok);
  CAF_CHECK(set(a, "user:3", json("cy")).code == exit_code::ok);
  watcher.join();
  CAF_CHECK(res.code == exit_code::ok);
  CAF_MESSAGE("watch --prefix user: " << out.str());
  auto lines = lines_of(out.str());
  CAF_REQUIRE_EQUAL(lines.size(), 3u);
  CAF_CHECK_EQUAL(lines[0]["kind"], "set");
  CAF_CHECK_EQUAL(lines[0]["key"], "user:1");
  CAF_CHECK_EQUAL(lines[0]["value"], json("ann"));
  CAF_CHECK_EQUAL(lines[0]["origin"], "a");
  CAF_CHECK_EQUAL(lines[1]["key"], "user:2");
  CAF_CHECK_EQUAL(lines[2]["kind"], "delete");
  CAF_CHECK_EQUAL(lines[2]["key"], "user:1");
  CAF_CHECK(lines[2]["value"].is_null());
}

CAF_TEST(watch that sees too few events by its timeout exits with timeout) {
  std::ostringstream out;
  watch_limits limits;
  limits.count = 1;
  limits.timeout = caf::timespan{100ms};
  auto res = watch(a, podshare::watch_filter::all(), limits, out);
  CAF_CHECK(res.code == exit_code::timeout);
  // Without a count, the timeout is the end the user asked for.
  limits.count.reset();
  res = watch(a, podshare::watch_filter::all(), limits, out);
  CAF_CHECK(res.code == exit_code::ok);
}

CAF_TEST(a write whose transport is gone exits with a transport error) {
  {
    // One sender's messages arrive in order: once the request behind the
    // close has failed, the transport is closed.
    caf::scoped_actor self{sys};
    self->send(transport, caf::close_atom::value);
    self
      ->request(transport, caf::timespan{10s}, podshare::fetch_snap_atom::value,
                std::string{"ctl"})
      .receive([](podshare::bytes&) { CAF_FAIL("the transport is open"); },
               [](caf::error&) {});
  }
  auto res = set(a, "k", json(1));
  CAF_CHECK(res.code == exit_code::transport);
  CAF_MESSAGE("reason: " << res.reason);
}

CAF_TEST(invalid json is refused with a reason) {
  std::string reason;
  CAF_CHECK(!parse_value("{bad", reason));
  CAF_CHECK(!reason.empty());
  CAF_CHECK(!parse_value("", reason));
  CAF_CHECK(!parse_value("[1,", reason));
  CAF_CHECK(parse_value(R"({"ok":[1,2,null]})", reason));
  CAF_CHECK(parse_value("42", reason));
}

CAF_TEST(load writes what the last line of each key says in batches) {
  std::istringstream in{R"({"key":"x","value":1}

{"kind":"set","key":"y","value":{"n":2},"origin":"elsewhere"}
{"kind":"delete","key":"x"}
{"key":"z","value":3}
{"key":"x","value":"back"}
{"kind":"delete","key":"y"}
)"};
  std::string reason;
  auto batch = parse_load(in, reason);
  CAF_REQUIRE(batch);
  CAF_CHECK_EQUAL(batch->sets.size(), 2u);
  CAF_CHECK_EQUAL(batch->sets["x"], json("back"));
  CAF_CHECK_EQUAL(batch->deletes, std::vector<std::string>{"y"});
  std::ostringstream out;
  // Batches of one: three calls, as many batches as a large file makes.
  CAF_CHECK(load(a, *batch, out, 1).code == exit_code::ok);
  CAF_CHECK_EQUAL(out.str(), "{\"deleted\":1,\"set\":2}\n");
  CAF_REQUIRE(reaches_b("z"));
  CAF_CHECK_EQUAL(b.get("x"), json("back"));
  CAF_CHECK(!a.get("y"));
  CAF_CHECK_EQUAL(a.stats().tombstones, 1u);
}

CAF_TEST(load refuses a bad line and says which) {
  for (auto [text, why] :
       {std::pair{"{\"key\":\"a\",\"value\":1}\n[1]\n",
                  "line 2: not a JSON object"},
        std::pair{"{\"key\":5,\"value\":1}", "line 1: \"key\" is not"},
        std::pair{"{\"key\":\"a\"}", "line 1: no \"value\""},
        std::pair{"{\"key\":\"a\",\"kind\":\"put\",\"value\":1}",
                  "line 1: \"kind\" is neither"},
        std::pair{"\n\n{oops", "line 3: [json.exception.parse_error"}}) {
    std::istringstream in{text};
    std::string reason;
    CAF_CHECK(!parse_load(in, reason));
    CAF_CHECK_EQUAL(reason.substr(0, std::string{why}.size()), why);
  }
}

CAF_TEST(stats prints every counter as one object) {
  CAF_CHECK(set(a, "k", json(1)).code == exit_code::ok);
  std::ostringstream out;
  CAF_CHECK(stats(a, out).code == exit_code::ok);
  auto x = json::parse(out.str());
  // The twelve counters of spec §8, events_watched, the revision and the
  // six counters of repair.
  CAF_CHECK_EQUAL(x.size(), 20u);
  CAF_CHECK_EQUAL(x["writes_local"], 1);
  CAF_CHECK_EQUAL(x["keys"], 1);
}

CAF_TEST_FIXTURE_SCOPE_END()
