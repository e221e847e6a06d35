// Feeds arbitrary bytes to the wire decoders (spec §10). Decoding may fail,
// but never crash, hang or throw; whatever decodes must survive a re-encode
// in both formats unchanged, or the fuzzer aborts.

#include "podshare/detail/wire_json.hpp"
#include "podshare/error.hpp"
#include "podshare/wire.hpp"
#include "support/json_snapshot_oracle.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

using namespace podshare;

namespace {

using decoder = caf::expected<std::vector<event>> (*)(const uint8_t*, size_t);

using encoder = bytes (*)(wire::format, const std::vector<event>&);

// The snapshot codec without its version vector, in the shape of the
// event codec.
bytes encode_snapshot(wire::format fmt, const std::vector<event>& xs) {
  return wire::encode_snapshot(fmt, xs);
}

caf::expected<std::vector<event>> decode_snapshot(const uint8_t* data,
                                                  size_t size) {
  return wire::decode_snapshot(data, size);
}

void require(bool condition, const char* what) {
  if (!condition) {
    std::fprintf(stderr, "wire_fuzzer: %s\n", what);
    std::abort();
  }
}

// nlohmann's strict dump is the UTF-8 validator at hand.
bool valid_utf8(const std::string& x) {
  try {
    static_cast<void>(nlohmann::json(x).dump());
    return true;
  } catch (...) {
    return false;
  }
}

// JSON replaces invalid UTF-8 (as Go does), so only valid strings survive
// the JSON leg unchanged; msgpack carries any bytes.
bool json_safe(const std::vector<event>& xs) {
  for (const auto& x : xs)
    if (!valid_utf8(x.key) || !valid_utf8(x.version.origin))
      return false;
  return true;
}

// A snapshot's JSON object keeps one entry per key.
bool keys_unique(std::vector<event> xs) {
  std::sort(xs.begin(), xs.end(),
            [](const event& x, const event& y) { return x.key < y.key; });
  return std::adjacent_find(
           xs.begin(), xs.end(),
           [](const event& x, const event& y) { return x.key == y.key; })
         == xs.end();
}

void check_round_trips(const std::vector<event>& xs, encoder encode,
                       decoder decode) {
  for (const auto& x : xs)
    require(x.kind == event_kind::set || x.value.empty(),
            "a delete carries a value");
  auto mp = encode(wire::format::msgpack, xs);
  auto from_mp = decode(mp.data(), mp.size());
  require(static_cast<bool>(from_mp), "our msgpack does not decode");
  require(*from_mp == xs, "the msgpack round trip changed the events");
  auto js = encode(wire::format::json, xs);
  auto from_js = decode(js.data(), js.size());
  require(static_cast<bool>(from_js), "our JSON does not decode");
  if (json_safe(xs) && (decode != decode_snapshot || keys_unique(xs))) {
    require(*from_js == xs, "the JSON round trip changed the events");
    auto js2 = encode(wire::format::json, *from_js);
    require(js2 == js, "the JSON encoding is not a fixed point");
  }
}

// The streaming JSON snapshot codec against the document codec it replaced:
// the same inputs accepted, for the same reasons rejected, the same entries
// (the oracle's in key order) and the same bytes written of them.
void check_like_oracle(const uint8_t* data, size_t size) {
  if (wire::format_of(data, size) != wire::format::json)
    return;
  std::vector<applied_writes> our_vv;
  std::vector<applied_writes> their_vv;
  auto ours = detail::decode_json_snapshot(data, size, our_vv);
  auto theirs = test::decode_json_snapshot_dom(data, size, their_vv);
  require(static_cast<bool>(ours) == static_cast<bool>(theirs),
          "the JSON snapshot decoders disagree on acceptance");
  if (!ours) {
    require(describe(ours.error()) == describe(theirs.error()),
            "the JSON snapshot decoders fail for different reasons");
    return;
  }
  std::sort(ours->begin(), ours->end(),
            [](const event& x, const event& y) { return x.key < y.key; });
  require(*ours == *theirs, "the JSON snapshot decoders disagree on entries");
  require(our_vv == their_vv,
          "the JSON snapshot decoders disagree on the version vector");
  std::vector<wire::entry_view> views;
  for (auto& x : *ours)
    views.push_back({x.key, x.kind == event_kind::erase ? nullptr : &x.value,
                     x.version.timestamp, x.version.origin, x.version.seq,
                     x.version.incarnation});
  require(wire::encode_snapshot(wire::format::json, views)
            == test::encode_json_snapshot_dom(views),
          "the JSON snapshot encoders write different bytes");
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (auto xs = wire::decode_events(data, size))
    check_round_trips(*xs, wire::encode_events, wire::decode_events);
  if (auto xs = wire::decode_snapshot(data, size))
    check_round_trips(*xs, encode_snapshot, decode_snapshot);
  check_like_oracle(data, size);
  return 0;
}
