#define CAF_SUITE libpodshare.snapshot_join

#include "podshare/snapshot_join.hpp"

#include "podshare/codec.hpp"
#include "podshare/wire.hpp"

#include <caf/test/unit_test.hpp>

#include <map>

using namespace podshare;

CAF_TEST(merged snapshots keep the newest entry of every key) {
  auto ev = [](const std::string& key, int64_t ts, bool tombstone) {
    event x;
    x.kind = tombstone ? event_kind::erase : event_kind::set;
    x.key = key;
    if (!tombstone)
      x.value = *msgpack_codec<std::string>::encode(key);
    x.version = version{ts, "o", 1};
    return x;
  };
  auto s1 = wire::encode_snapshot(wire::format::msgpack,
                                  {ev("a", 10, false), ev("b", 30, false)});
  auto s2 = wire::encode_snapshot(
    wire::format::json,
    {ev("a", 20, true), ev("b", 5, false), ev("c", 1, false)});
  auto merged = join_snapshots({s1, s2, bytes{'x'}}, wire::format::msgpack);
  CAF_REQUIRE(merged);
  auto entries = wire::decode_snapshot(merged->data(), merged->size());
  CAF_REQUIRE(entries);
  std::map<std::string, std::pair<int64_t, bool>> got;
  for (auto& x : *entries)
    got[x.key] = {x.version.timestamp, x.kind == event_kind::erase};
  using p = std::pair<int64_t, bool>;
  CAF_CHECK_EQUAL(got.size(), 3u);
  CAF_CHECK(got["a"] == p(20, true));
  CAF_CHECK(got["b"] == p(30, false));
  CAF_CHECK(got["c"] == p(1, false));
  auto none = join_snapshots({bytes{'x'}, bytes{'y'}}, wire::format::msgpack);
  CAF_CHECK(!none);
}
