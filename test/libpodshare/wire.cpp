#define CAF_SUITE libpodshare.wire

#include "podshare/wire.hpp"

#include "podshare/error.hpp"

#include <caf/test/unit_test.hpp>

#include <msgpack.hpp>
#include <nlohmann/json.hpp>

#include <string>
#include <string_view>
#include <vector>

using namespace podshare;

namespace {

// 2026-05-18T10:00:00Z in nanoseconds since the epoch.
constexpr int64_t t0 = 1'779'098'400'000'000'000;

constexpr std::string_view golden_set
  = R"({"v":1,"kind":"set","key":"k","value":"aGVsbG8=","origin":"a",)"
    R"("timestamp":"2026-05-18T10:00:00.5Z","seq":7})";

constexpr std::string_view golden_delete
  = R"({"v":1,"kind":"delete","key":"k","origin":"a",)"
    R"("timestamp":"2026-05-18T10:00:01Z","seq":8})";

constexpr std::string_view golden_snapshot
  = R"({"v":1,"entries":{)"
    R"("a":{"value":"MQ==","timestamp":"2026-05-18T10:00:00Z","origin":"n1",)"
    R"("seq":1},)"
    R"("b":{"timestamp":"2026-05-18T10:00:02.123456789Z","origin":"n2",)"
    R"("tombstone":true,"seq":12}}})";

bytes to_bytes(std::string_view x) {
  return bytes(x.begin(), x.end());
}

std::string to_text(const bytes& x) {
  return std::string(x.begin(), x.end());
}

caf::expected<std::vector<event>> decode(const bytes& x) {
  return wire::decode_events(x.data(), x.size());
}

caf::expected<std::vector<event>> decode(std::string_view x) {
  return decode(to_bytes(x));
}

caf::expected<std::vector<event>> decode_snap(std::string_view x) {
  auto buf = to_bytes(x);
  return wire::decode_snapshot(buf.data(), buf.size());
}

// caf::error compares code and category only, so the context (the reason)
// does not get in the way of these checks.
template <class T>
caf::error failure(const caf::expected<T>& x) {
  return x ? caf::error{} : x.error();
}

const caf::error decode_failed = caf::make_error(ec::decode_failed);

std::string normalized(std::string_view json_text) {
  return nlohmann::json::parse(json_text).dump();
}

event make_event(event_kind kind, std::string key, std::string value,
                 std::string origin, int64_t timestamp, uint64_t seq) {
  event x;
  x.kind = kind;
  x.key = std::move(key);
  x.value = to_bytes(value);
  x.version = version{timestamp, std::move(origin), seq};
  return x;
}

std::vector<event> sample_batch() {
  return {make_event(event_kind::set, "a", "1", "n1", t0, 1),
          make_event(event_kind::erase, "b", "", "n1", t0 + 1, 2),
          make_event(event_kind::set, "c", std::string("\0\xff", 2), "n1",
                     -1'500'000'000, 3)};
}

} // namespace

CAF_TEST(a golden JSON set decodes and encodes back to the documented fields) {
  auto res = decode(golden_set);
  CAF_REQUIRE(res);
  CAF_REQUIRE_EQUAL(res->size(), 1u);
  const auto& x = res->front();
  CAF_CHECK_EQUAL(x.kind, event_kind::set);
  CAF_CHECK_EQUAL(x.key, "k");
  CAF_CHECK_EQUAL(to_text(x.value), "hello");
  CAF_CHECK_EQUAL(x.version.origin, "a");
  CAF_CHECK_EQUAL(x.version.timestamp, t0 + 500'000'000);
  CAF_CHECK_EQUAL(x.version.seq, 7u);
  auto out = to_text(wire::encode_events(wire::format::json, *res));
  CAF_CHECK_EQUAL(normalized(out), normalized(golden_set));
  // Field order follows the spec too, so the text matches byte for byte.
  CAF_CHECK_EQUAL(out, golden_set);
}

CAF_TEST(a golden JSON delete decodes and encodes back without a value) {
  auto res = decode(golden_delete);
  CAF_REQUIRE(res);
  CAF_REQUIRE_EQUAL(res->size(), 1u);
  const auto& x = res->front();
  CAF_CHECK_EQUAL(x.kind, event_kind::erase);
  CAF_CHECK_EQUAL(x.key, "k");
  CAF_CHECK(x.value.empty());
  CAF_CHECK_EQUAL(x.version, (version{t0 + 1'000'000'000, "a", 8}));
  auto out = to_text(wire::encode_events(wire::format::json, *res));
  CAF_CHECK_EQUAL(normalized(out), normalized(golden_delete));
  CAF_CHECK(!nlohmann::json::parse(out).contains("value"));
}

CAF_TEST(a golden JSON snapshot with a tombstone decodes and encodes back) {
  auto res = decode_snap(golden_snapshot);
  CAF_REQUIRE(res);
  CAF_REQUIRE_EQUAL(res->size(), 2u);
  std::vector<event> expected{
    make_event(event_kind::set, "a", "1", "n1", t0, 1),
    make_event(event_kind::erase, "b", "", "n2", t0 + 2'123'456'789, 12)};
  CAF_CHECK((*res == expected));
  auto out = to_text(wire::encode_snapshot(wire::format::json, *res));
  CAF_CHECK_EQUAL(normalized(out), normalized(golden_snapshot));
  CAF_CHECK_EQUAL(out, golden_snapshot);
}

CAF_TEST(msgpack events and batches round trip) {
  for (const auto& x : sample_batch()) {
    std::vector<event> one{x};
    auto res = decode(wire::encode_events(wire::format::msgpack, one));
    CAF_CHECK(res && (*res == one));
  }
  auto batch = sample_batch();
  auto buf = wire::encode_events(wire::format::msgpack, batch);
  // An array32 whatever the count: the count is written after the events.
  CAF_CHECK_EQUAL(buf.front(), 0xdd);
  CAF_CHECK_EQUAL(bytes(buf.begin() + 1, buf.begin() + 5), (bytes{0, 0, 0, 3}));
  auto res = decode(buf);
  CAF_CHECK(res && (*res == batch));
  auto empty = decode(wire::encode_events(wire::format::msgpack, {}));
  CAF_CHECK(empty && empty->empty());
}

CAF_TEST(msgpack events of every size around the staging array round trip) {
  // The encoder stages up to 256 bytes before appending them to the
  // message: keys and values from empty to past that, in one batch, cross
  // the boundary at every offset.
  std::vector<event> batch;
  for (size_t n = 0; n <= 600; n += 7) {
    event x;
    x.kind = n % 2 == 0 ? event_kind::set : event_kind::erase;
    x.key = std::string(n / 2, 'k');
    if (x.kind == event_kind::set)
      x.value = bytes(n, static_cast<uint8_t>(n));
    x.version
      = version{t0 + static_cast<int64_t>(n), std::string(n % 40, 'o'), n};
    batch.push_back(x);
    auto one = decode(wire::encode_events(wire::format::msgpack, {x}));
    CAF_CHECK(one && one->size() == 1 && one->front() == x);
  }
  auto all = decode(wire::encode_events(wire::format::msgpack, batch));
  CAF_CHECK(all && *all == batch);
}

CAF_TEST(decoding into a kept buffer replaces what it held) {
  auto batch = sample_batch();
  std::vector<event> out{make_event(event_kind::set, "old", "x", "n", t0, 1)};
  for (auto fmt : {wire::format::msgpack, wire::format::json}) {
    auto buf = wire::encode_events(fmt, batch);
    CAF_CHECK(!wire::decode_events(buf.data(), buf.size(), out));
    CAF_CHECK(out == batch);
  }
  // A failure leaves nothing behind, not even the events before the bad one.
  bytes good_then_bad{0x92}; // a msgpack array of two: an event, then 7
  auto good = wire::encode_events(wire::format::msgpack, {batch.front()});
  good_then_bad.insert(good_then_bad.end(), good.begin(), good.end());
  good_then_bad.push_back(0x07);
  for (const auto& bad :
       {good_then_bad, to_bytes("[" + std::string{golden_set} + ",7]"),
        to_bytes("nonsense")}) {
    out = batch;
    CAF_CHECK_EQUAL(wire::decode_events(bad.data(), bad.size(), out),
                    decode_failed);
    CAF_CHECK(out.empty());
  }
}

CAF_TEST(msgpack batches decode alike whatever size came before) {
  // Each thread decodes in a zone it keeps: a batch after a larger one, a
  // malformed one, and a larger one again each decode as encoded.
  auto batch_of = [](size_t n) {
    std::vector<event> xs;
    for (size_t i = 0; i < n; ++i)
      xs.push_back(make_event(event_kind::set, "k" + std::to_string(i),
                              std::string(64, 'v'), "origin", t0,
                              static_cast<uint64_t>(i)));
    return xs;
  };
  auto truncated = wire::encode_events(wire::format::msgpack, batch_of(50));
  truncated.resize(truncated.size() / 2);
  for (size_t n : {1000, 3, 0, 5000, 10}) {
    auto xs = batch_of(n);
    auto res = decode(wire::encode_events(wire::format::msgpack, xs));
    CAF_CHECK(res && *res == xs);
    CAF_CHECK_EQUAL(failure(decode(truncated)), decode_failed);
  }
}

CAF_TEST(a JSON batch round trips as an array of event objects) {
  auto batch = sample_batch();
  auto buf = wire::encode_events(wire::format::json, batch);
  CAF_CHECK(nlohmann::json::parse(to_text(buf)).is_array());
  auto res = decode(buf);
  CAF_CHECK(res && (*res == batch));
}

CAF_TEST(a msgpack snapshot round trips in order with its tombstones) {
  auto entries = sample_batch();
  std::swap(entries[0], entries[2]);
  auto buf = wire::encode_snapshot(wire::format::msgpack, entries);
  auto res = wire::decode_snapshot(buf.data(), buf.size());
  CAF_CHECK(res && (*res == entries));
}

CAF_TEST(a snapshot written an entry at a time equals the whole encoding) {
  auto entries = sample_batch();
  for (auto fmt : {wire::format::msgpack, wire::format::json}) {
    // A tiny reservation: the buffer has to grow.
    wire::snapshot_writer writer{fmt, 1};
    for (auto& x : entries)
      writer.add(wire::entry_view{
        x.key, x.kind == event_kind::erase ? nullptr : &x.value,
        x.version.timestamp, x.version.origin, x.version.seq});
    CAF_CHECK_EQUAL(writer.size(), entries.size());
    auto buf = writer.finish();
    auto res = wire::decode_snapshot(buf.data(), buf.size());
    CAF_CHECK(res && (*res == entries));
    if (fmt == wire::format::json)
      CAF_CHECK(buf == wire::encode_snapshot(fmt, entries));
  }
  // No entries: an empty snapshot, not an empty buffer.
  auto empty = wire::snapshot_writer{wire::format::msgpack, 0}.finish();
  auto res = wire::decode_snapshot(empty.data(), empty.size());
  CAF_CHECK(res && res->empty());
}

CAF_TEST(a key twice in a received snapshot decodes for the store to settle) {
  // We never send one, but a foreign sender might: msgpack keeps both (the
  // store's last-write-wins picks one), JSON parsing keeps the last.
  auto entries = sample_batch();
  entries.push_back(make_event(event_kind::set, "a", "2", "n2", t0, 9));
  auto buf = wire::encode_snapshot(wire::format::msgpack, entries);
  auto res = wire::decode_snapshot(buf.data(), buf.size());
  CAF_REQUIRE(res);
  CAF_CHECK_EQUAL(res->size(), 4u);
  CAF_CHECK_EQUAL(to_text(res->back().value), "2");
  std::string text
    = R"({"v":1,"entries":{)"
      R"("a":{"value":"MQ==","timestamp":"2026-05-18T10:00:00Z",)"
      R"("origin":"n1","seq":1},)"
      R"("a":{"value":"Mg==","timestamp":"2026-05-18T10:00:00Z",)"
      R"("origin":"n2","seq":9}}})";
  res = wire::decode_snapshot(reinterpret_cast<const uint8_t*>(text.data()),
                              text.size());
  CAF_REQUIRE(res);
  CAF_CHECK_EQUAL(res->size(), 1u);
  CAF_CHECK_EQUAL(to_text(res->front().value), "2");
}

CAF_TEST(msgpack uses the documented field names and types) {
  auto buf = wire::encode_events(wire::format::msgpack, {sample_batch()[0]});
  auto handle
    = msgpack::unpack(reinterpret_cast<const char*>(buf.data()), buf.size());
  std::map<std::string, msgpack::object> obj;
  handle.get().convert(obj);
  CAF_CHECK_EQUAL(obj.size(), 7u);
  CAF_CHECK_EQUAL(obj["v"].as<uint64_t>(), 1u);
  CAF_CHECK_EQUAL(obj["kind"].as<std::string>(), "set");
  CAF_CHECK_EQUAL(obj["key"].as<std::string>(), "a");
  CAF_CHECK(obj["value"].type == msgpack::type::BIN);
  CAF_CHECK_EQUAL(obj["origin"].as<std::string>(), "n1");
  CAF_CHECK_EQUAL(obj["timestamp"].as<int64_t>(), t0);
  CAF_CHECK_EQUAL(obj["seq"].as<uint64_t>(), 1u);
}

CAF_TEST(a message with a newer protocol version is rejected as such) {
  auto unsupported = caf::make_error(ec::unsupported_protocol_version);
  CAF_CHECK_EQUAL(failure(decode(R"({"v":99,"kind":"set","key":"k"})")),
                  unsupported);
  CAF_CHECK_EQUAL(failure(decode_snap(R"({"v":2,"entries":{}})")), unsupported);
  // {"v":99,"kind":"set"} in msgpack.
  CAF_CHECK_EQUAL(failure(decode("\x82\xa1v\x63\xa4kind\xa3set")), unsupported);
}

CAF_TEST(a message without a protocol version is accepted as version 0) {
  auto res = decode(R"({"kind":"set","key":"k","value":"","origin":"a",)"
                    R"("timestamp":"2026-05-18T10:00:00Z"})");
  CAF_REQUIRE(res);
  CAF_CHECK_EQUAL(res->front().version.seq, 0u);
  CAF_CHECK(decode_snap(R"({"entries":null})"));
}

CAF_TEST(an unknown message kind is rejected as such) {
  auto unknown = caf::make_error(ec::unknown_message_kind);
  CAF_CHECK_EQUAL(failure(decode(R"({"v":1,"kind":"merge","key":"k"})")),
                  unknown);
  // {"kind":"clear"} in msgpack.
  CAF_CHECK_EQUAL(failure(decode("\x81\xa4kind\xa5"
                                 "clear")),
                  unknown);
}

CAF_TEST(malformed inputs fail to decode without throwing) {
  auto full = wire::encode_events(wire::format::msgpack, sample_batch());
  auto truncated = bytes(full.begin(), full.end() - 3);
  auto padded = full;
  padded.push_back(0xc0);
  CAF_CHECK_EQUAL(failure(decode(bytes{})), decode_failed);
  CAF_CHECK_EQUAL(failure(decode(" \n\t")), decode_failed);
  CAF_CHECK_EQUAL(failure(decode(bytes{0x01})), decode_failed);
  CAF_CHECK_EQUAL(failure(decode("x")), decode_failed);
  CAF_CHECK_EQUAL(failure(decode(truncated)), decode_failed);
  CAF_CHECK_EQUAL(failure(decode(padded)), decode_failed);
  CAF_CHECK_EQUAL(failure(decode(std::string{golden_set} + " x")),
                  decode_failed);
  CAF_CHECK_EQUAL(failure(decode("{\"v\":1,")), decode_failed);
  std::vector<std::string> bad_fields{
    R"("key":5)",        R"("seq":"7")",      R"("seq":-1)",
    R"("v":1.0)",        R"("value":12)",     R"("value":"aGVsbG8")",
    R"("value":"a b=")", R"("timestamp":12)", R"("timestamp":"yesterday")",
    R"("origin":["a"])", R"("kind":true)"};
  for (const auto& field : bad_fields) {
    auto json = nlohmann::json::parse(golden_set);
    json.update(nlohmann::json::parse("{" + field + "}"));
    CAF_CHECK_EQUAL(failure(decode(json.dump())), decode_failed);
  }
  for (auto name : {"kind", "key", "origin", "timestamp"}) {
    auto json = nlohmann::json::parse(golden_set);
    json.erase(name);
    CAF_CHECK_EQUAL(failure(decode(json.dump())), decode_failed);
  }
}

CAF_TEST(a batch with one bad event fails whole) {
  auto batch = "[" + std::string{golden_set} + R"(,{"kind":"set"}])";
  CAF_CHECK_EQUAL(failure(decode(batch)), decode_failed);
  CAF_CHECK_EQUAL(failure(decode("[" + std::string{golden_set} + ",7]")),
                  decode_failed);
}

CAF_TEST(unknown fields are ignored and null counts as absent) {
  auto json = nlohmann::json::parse(golden_set);
  json["ttl"] = {{"nested", true}};
  json["seq"] = nullptr;
  auto res = decode(json.dump());
  CAF_REQUIRE(res);
  CAF_CHECK_EQUAL(to_text(res->front().value), "hello");
  CAF_CHECK_EQUAL(res->front().version.seq, 0u);
  // {"kind":"delete","key":"k","origin":"a","timestamp":5,"x":{}} in msgpack.
  auto mp = decode("\x85\xa4kind\xa6"
                   "delete\xa3key\xa1k\xa6origin\xa1"
                   "a\xa9timestamp\x05\xa1x\x80");
  CAF_REQUIRE(mp);
  CAF_CHECK_EQUAL(mp->front().kind, event_kind::erase);
  CAF_CHECK_EQUAL(mp->front().version.timestamp, 5);
}

CAF_TEST(an offset timestamp decodes to its instant and encodes back in UTC) {
  auto json = nlohmann::json::parse(golden_set);
  json["timestamp"] = "2026-05-18T12:00:00.5+02:00";
  auto res = decode(json.dump());
  CAF_REQUIRE(res);
  CAF_CHECK_EQUAL(res->front().version.timestamp, t0 + 500'000'000);
  auto out = nlohmann::json::parse(
    to_text(wire::encode_events(wire::format::json, *res)));
  CAF_CHECK_EQUAL(out["timestamp"], "2026-05-18T10:00:00.5Z");
}

CAF_TEST(leading whitespace before a JSON message is accepted) {
  CAF_CHECK(decode(" \r\n\t" + std::string{golden_set} + "\n"));
}

CAF_TEST(events and snapshots are not mistaken for each other) {
  CAF_CHECK_EQUAL(failure(decode_snap(golden_set)), decode_failed);
  CAF_CHECK_EQUAL(failure(decode(golden_snapshot)), decode_failed);
  CAF_CHECK_EQUAL(failure(decode_snap("[]")), decode_failed);
}

CAF_TEST(snapshot entries with wrong types fail to decode) {
  CAF_CHECK_EQUAL(failure(decode_snap(R"({"v":1,"entries":[]})")),
                  decode_failed);
  CAF_CHECK_EQUAL(failure(decode_snap(R"({"entries":{"a":{"origin":"n",)"
                                      R"("timestamp":"2026-05-18T10:00:00Z",)"
                                      R"("tombstone":"yes"}}})")),
                  decode_failed);
  CAF_CHECK_EQUAL(failure(decode_snap(R"({"entries":{"a":{"origin":"n"}}})")),
                  decode_failed);
}

CAF_TEST(forged lengths and deep nesting fail without exhausting memory) {
  // array32 and map32 headers claiming four billion elements.
  CAF_CHECK_EQUAL(failure(decode(bytes{0xdd, 0xff, 0xff, 0xff, 0xff})),
                  decode_failed);
  CAF_CHECK_EQUAL(failure(decode(bytes{0xdf, 0xff, 0xff, 0xff, 0xff})),
                  decode_failed);
  // A bin32 value claiming four gigabytes inside an event map.
  CAF_CHECK_EQUAL(failure(decode(bytes{0x81, 0xa5, 'v', 'a', 'l', 'u', 'e',
                                       0xc6, 0xff, 0xff, 0xff, 0xff})),
                  decode_failed);
  CAF_CHECK_EQUAL(failure(decode(std::string(100'000, '['))), decode_failed);
  CAF_CHECK_EQUAL(failure(decode(bytes(100'000, 0x91))), decode_failed);
}

CAF_TEST(formats and kinds have their documented names) {
  CAF_CHECK_EQUAL(wire::to_string(wire::format::msgpack),
                  std::string{"msgpack"});
  CAF_CHECK_EQUAL(wire::to_string(wire::format::json), std::string{"json"});
  CAF_CHECK_EQUAL(to_string(event_kind::set), std::string{"set"});
  CAF_CHECK_EQUAL(to_string(event_kind::erase), std::string{"delete"});
}
