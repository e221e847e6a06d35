#define CAF_SUITE net.redis_merge

#include "podshare/net/redis/snapshot_merge.hpp"

#include "podshare/wire.hpp"

#include <caf/test/unit_test.hpp>

#include <map>

using namespace podshare;
using podshare::net::redis::merge_snapshots;

namespace {

event entry_of(const std::string& key, int64_t stamp, bool tombstone = false) {
  event x;
  x.kind = tombstone ? event_kind::erase : event_kind::set;
  x.key = key;
  if (!tombstone)
    x.value = bytes{0xa1, static_cast<uint8_t>('a' + stamp % 26)};
  x.version = version{stamp, "n", 1};
  return x;
}

// Key -> timestamp of a decoded snapshot, tombstones negative.
std::map<std::string, int64_t> stamps(const bytes& snapshot) {
  std::map<std::string, int64_t> result;
  auto entries = wire::decode_snapshot(snapshot.data(), snapshot.size());
  CAF_REQUIRE(entries);
  for (auto& x : *entries)
    result[x.key] = x.kind == event_kind::erase ? -x.version.timestamp
                                                : x.version.timestamp;
  return result;
}

} // namespace

CAF_TEST(the greater version wins per key and nothing is lost) {
  auto stored = wire::encode_snapshot(
    wire::format::msgpack,
    {entry_of("only_stored", 5), entry_of("newer_stored", 9),
     entry_of("older_stored", 1), entry_of("erased_stored", 8, true)});
  auto ours = wire::encode_snapshot(
    wire::format::msgpack,
    {entry_of("only_ours", 3), entry_of("newer_stored", 4),
     entry_of("older_stored", 6), entry_of("erased_stored", 2)});
  auto merged = merge_snapshots(stored, ours);
  CAF_REQUIRE(merged);
  auto expected = std::map<std::string, int64_t>{{"only_stored", 5},
                                                 {"only_ours", 3},
                                                 {"newer_stored", 9},
                                                 {"older_stored", 6},
                                                 {"erased_stored", -8}};
  CAF_CHECK(stamps(*merged) == expected);
}

CAF_TEST(ours comes back unchanged when the stored one adds nothing) {
  auto stored
    = wire::encode_snapshot(wire::format::msgpack, {entry_of("k", 1)});
  auto ours = wire::encode_snapshot(wire::format::json,
                                    {entry_of("k", 2), entry_of("j", 1)});
  auto merged = merge_snapshots(stored, ours);
  CAF_REQUIRE(merged);
  CAF_CHECK(*merged == ours);
}

CAF_TEST(the result keeps the json form of ours) {
  auto stored
    = wire::encode_snapshot(wire::format::msgpack, {entry_of("theirs", 1)});
  auto ours = wire::encode_snapshot(wire::format::json, {entry_of("ours", 1)});
  auto merged = merge_snapshots(stored, ours);
  CAF_REQUIRE(merged);
  CAF_REQUIRE(!merged->empty());
  CAF_CHECK_EQUAL(merged->front(), '{');
  CAF_CHECK_EQUAL(stamps(*merged).size(), 2u);
}

CAF_TEST(a stored snapshot that does not decode is an error) {
  auto ours = wire::encode_snapshot(wire::format::msgpack, {entry_of("k", 1)});
  auto merged = merge_snapshots(bytes{'{', 'x'}, ours);
  CAF_CHECK(!merged);
}
