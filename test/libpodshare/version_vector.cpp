#define CAF_SUITE libpodshare.version_vector

#include "podshare/version_vector.hpp"

#include "podshare/error.hpp"
#include "podshare/repair_message.hpp"
#include "podshare/wire.hpp"

#include <caf/test/dsl.hpp>

using namespace podshare;
using arrival = version_vector::arrival;

CAF_TEST(writes in order advance the prefix) {
  version_vector vv;
  CAF_CHECK(vv.observe("a", 1, 1) == arrival::in_order);
  CAF_CHECK(vv.observe("a", 1, 2) == arrival::in_order);
  CAF_CHECK(vv.observe("a", 1, 2) == arrival::duplicate);
  CAF_CHECK(vv.covers("a", 1, 2));
  CAF_CHECK(!vv.covers("a", 1, 3));
  CAF_CHECK(!vv.covers("a", 2, 1)); // another life of "a"
  CAF_CHECK(!vv.has_holes());
}

CAF_TEST(a seq past the next is a gap until the hole closes) {
  version_vector vv;
  vv.observe("a", 1, 1);
  CAF_CHECK(vv.observe("a", 1, 4) == arrival::gap);
  CAF_CHECK(vv.observe("a", 1, 4) == arrival::duplicate);
  CAF_CHECK(vv.has_holes());
  CAF_CHECK(!vv.covers("a", 1, 4));
  // The hole is open: a later early seq is no new gap.
  CAF_CHECK(vv.observe("a", 1, 3) == arrival::early);
  CAF_CHECK(vv.observe("a", 1, 2) == arrival::in_order);
  CAF_CHECK(vv.observe("a", 1, 6) == arrival::gap);
  CAF_CHECK(vv.covers("a", 1, 4));
  CAF_CHECK(vv.has_holes());
  CAF_CHECK(vv.observe("a", 1, 5) == arrival::in_order);
  CAF_CHECK(!vv.has_holes());
  CAF_CHECK_EQUAL(vv.entries(), (std::vector<applied_writes>{{"a", 1, 6}}));
}

CAF_TEST(a merge raises the prefix over early seqs) {
  version_vector vv;
  vv.observe("a", 1, 1);
  vv.observe("a", 1, 5);
  vv.observe("a", 1, 9);
  CAF_CHECK(vv.merge({{"a", 1, 6}, {"b", 2, 3}}));
  CAF_CHECK(vv.covers("a", 1, 6));
  CAF_CHECK(!vv.covers("a", 1, 7));
  CAF_CHECK(vv.has_holes()); // 9 still waits for 7 and 8
  CAF_CHECK(vv.merge({{"a", 1, 8}}));
  CAF_CHECK(vv.covers("a", 1, 9));
  CAF_CHECK(!vv.has_holes());
  CAF_CHECK(!vv.merge({{"a", 1, 3}, {"b", 2, 3}}));
  CAF_CHECK(!vv.behind({{"a", 1, 9}, {"b", 2, 1}}));
  CAF_CHECK(vv.behind({{"c", 1, 1}}));
  CAF_CHECK_EQUAL(vv.entries(),
                  (std::vector<applied_writes>{{"a", 1, 9}, {"b", 2, 3}}));
}

CAF_TEST(tokens print and parse) {
  write_token x{"node.with.dots", 42, 7};
  CAF_CHECK_EQUAL(to_string(x), "42.7.node.with.dots");
  auto y = parse_write_token(to_string(x));
  CAF_REQUIRE(y);
  CAF_CHECK(*y == x);
  // The expected is kept: the check holds a reference to its error.
  for (auto bad : {"", "1.2.", "x.2.a", "1.x.a", "0.1.a", "1.0.a", "12"}) {
    auto parsed = parse_write_token(bad);
    CAF_CHECK_EQUAL(parsed.error(), caf::make_error(ec::invalid_argument));
  }
}

CAF_TEST(events carry the incarnation in both wire forms) {
  event x{event_kind::set,
          "k",
          {1, 2},
          nullptr,
          version{1767225600000000000, "a", 3, 99}};
  for (auto fmt : {wire::format::msgpack, wire::format::json}) {
    auto buf = wire::encode_events(fmt, {x});
    auto back = wire::decode_events(buf.data(), buf.size());
    CAF_REQUIRE(back);
    CAF_CHECK_EQUAL(back->at(0).version.incarnation, 99u);
  }
  // Without one, the JSON event is the Go podshare's, byte for byte.
  x.version.incarnation = 0;
  auto json = wire::encode_events(wire::format::json, {x});
  CAF_CHECK(std::string(json.begin(), json.end()).find("inc")
            == std::string::npos);
}

CAF_TEST(snapshots carry their version vector in both wire forms) {
  std::vector<event> entries{
    {event_kind::set, "k", {1}, nullptr, version{1, "a", 3, 99}},
    {event_kind::erase, "gone", {}, nullptr, version{2, "b", 1, 5}}};
  std::vector<applied_writes> vv{{"a", 99, 3}, {"b", 5, 1}};
  for (auto fmt : {wire::format::msgpack, wire::format::json}) {
    auto buf = wire::encode_snapshot(fmt, entries, vv);
    std::vector<applied_writes> read;
    auto back = wire::decode_snapshot(buf.data(), buf.size(), &read);
    CAF_REQUIRE(back);
    CAF_CHECK_EQUAL(read, vv);
    CAF_CHECK_EQUAL(back->at(0).version.incarnation, 99u);
    CAF_CHECK_EQUAL(back->at(1).version.incarnation, 5u);
    // Without a vector the bytes are what they always were.
    auto plain = wire::encode_snapshot(fmt, entries);
    CAF_CHECK(wire::decode_snapshot(plain.data(), plain.size(), &read));
    CAF_CHECK(read.empty());
  }
  auto bad = std::string{R"({"v":1,"entries":{},"vv":[["a",1]]})"};
  auto res = wire::decode_snapshot(reinterpret_cast<const uint8_t*>(bad.data()),
                                   bad.size());
  CAF_CHECK_EQUAL(res.error(), caf::make_error(ec::decode_failed));
}

CAF_TEST(repair messages round trip and reject what they are not ) {
  wire::repair_message x;
  x.kind = wire::repair_kind::answer;
  x.from = "a";
  x.incarnation = 7;
  x.applied = {{"a", 7, 10}};
  x.changes = {1, 2, 3};
  auto buf = wire::encode_repair(x);
  auto y = wire::decode_repair(buf.data(), buf.size());
  CAF_REQUIRE(y);
  CAF_CHECK(y->kind == wire::repair_kind::answer);
  CAF_CHECK_EQUAL(y->from, "a");
  CAF_CHECK_EQUAL(y->incarnation, 7u);
  CAF_CHECK_EQUAL(y->applied, x.applied);
  CAF_CHECK_EQUAL(y->changes, x.changes);
  buf.pop_back();
  auto truncated = wire::decode_repair(buf.data(), buf.size());
  CAF_CHECK_EQUAL(truncated.error(), caf::make_error(ec::decode_failed));
  auto event = wire::encode_events(wire::format::msgpack, {});
  CAF_CHECK(!wire::decode_repair(event.data(), event.size()));
}
