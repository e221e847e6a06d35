#define CAF_SUITE libpodshare.wire_json_snapshot

// The streaming JSON snapshot codec against the document codec it replaced
// (test/support/json_snapshot_oracle.cpp): the same inputs accepted, the
// same reasons for rejecting the rest, the same entries, the same bytes.

#include "podshare/detail/wire_json.hpp"
#include "podshare/error.hpp"
#include "podshare/wire.hpp"
#include "support/json_snapshot_oracle.hpp"

#include <caf/test/unit_test.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

using namespace podshare;

namespace {

bytes to_bytes(const std::string& x) {
  return {x.begin(), x.end()};
}

std::vector<event> by_key(std::vector<event> xs) {
  std::sort(xs.begin(), xs.end(),
            [](const event& x, const event& y) { return x.key < y.key; });
  return xs;
}

// Whether both decoders treat `text` alike; `accepted` tells which way.
bool decoded_alike(const bytes& text, bool& accepted) {
  std::vector<applied_writes> our_vv;
  std::vector<applied_writes> their_vv;
  auto ours = detail::decode_json_snapshot(text.data(), text.size(), our_vv);
  auto theirs
    = test::decode_json_snapshot_dom(text.data(), text.size(), their_vv);
  accepted = static_cast<bool>(ours);
  if (static_cast<bool>(ours) != static_cast<bool>(theirs))
    return false;
  if (!ours)
    return ours.error() == theirs.error()
           && describe(ours.error()) == describe(theirs.error());
  return by_key(*ours) == *theirs && our_vv == their_vv;
}

void check_alike(const std::string& text, bool expect_accepted) {
  bool accepted = false;
  CAF_CHECK(decoded_alike(to_bytes(text), accepted));
  if (accepted != expect_accepted)
    CAF_FAIL("expected " << (expect_accepted ? "accepted: " : "rejected: ")
                         << text);
}

const std::string entry_a
  = R"({"value":"MQ==","timestamp":"2026-05-18T10:00:00Z","origin":"n1","seq":1})";

const std::string entry_b
  = R"({"timestamp":"2026-05-18T10:00:02Z","origin":"n2","tombstone":true,"seq":2})";

std::string snapshot_of(const std::string& entries) {
  return R"({"v":1,"entries":{)" + entries + "}}";
}

std::vector<std::string> corpus_files() {
  std::vector<std::string> result;
  for (auto& x : std::filesystem::directory_iterator{PODSHARE_FUZZ_CORPUS})
    result.push_back(x.path().string());
  std::sort(result.begin(), result.end());
  return result;
}

} // namespace

CAF_TEST(well formed snapshots decode to the same entries) {
  check_alike(snapshot_of(""), true);
  check_alike(snapshot_of(R"("a":)" + entry_a + R"(,"b":)" + entry_b), true);
  // Out of key order in the text.
  check_alike(snapshot_of(R"("b":)" + entry_b + R"(,"a":)" + entry_a), true);
  check_alike(R"({"entries":{"a":)" + entry_a + "}}", true);
  check_alike(R"({"entries":{"a":)" + entry_a + R"(},"v":1})", true);
  check_alike(R"({"v":null,"entries":null})", true);
  check_alike(" \n" + snapshot_of(R"("a":)" + entry_a) + "\t", true);
  // Escapes and non-ASCII keys and origins.
  check_alike(snapshot_of(R"("\"\\\u0001\u00e9\/":)" + entry_a), true);
  check_alike(
    snapshot_of(
      R"("k":{"timestamp":"2026-05-18T10:00:00Z","origin":"\u00fc"})"),
    true);
}

CAF_TEST(unknown fields nulls and repeats decode as the document did) {
  check_alike(snapshot_of(R"("a":{"x":[1,{"seq":"no"}],"value":"MQ==",)"
                          R"("timestamp":"2026-05-18T10:00:00Z","origin":"n1",)"
                          R"("seq":null,"y":{"origin":5}})"),
              true);
  check_alike(
    R"({"other":{"entries":5},"v":1,"entries":{"a":)" + entry_a + "}}", true);
  // A key twice: the last counts, whether the first was good or bad.
  check_alike(snapshot_of(R"("a":5,"a":)" + entry_a), true);
  check_alike(snapshot_of(R"("a":)" + entry_a + R"(,"a":5)"), false);
  check_alike(snapshot_of(R"("a":)" + entry_a + R"(,"b":)" + entry_b
                          + R"(,"a":)" + entry_b),
              true);
  // A field twice: the last counts.
  check_alike(
    snapshot_of(R"("a":{"seq":"x","value":"MQ==","seq":3,)"
                R"("timestamp":"2026-05-18T10:00:00Z","origin":"n"})"),
    true);
  check_alike(
    snapshot_of(R"("a":{"seq":3,"value":"MQ==","seq":-3,)"
                R"("timestamp":"2026-05-18T10:00:00Z","origin":"n"})"),
    false);
  // "entries" twice: the last counts.
  check_alike(R"({"entries":5,"entries":{"a":)" + entry_a + "}}", true);
  check_alike(R"({"entries":{"a":)" + entry_a + R"(},"entries":null})", true);
  check_alike(R"({"entries":{"a":)" + entry_a + R"(},"entries":[]})", false);
  check_alike(R"({"v":9,"v":1,"entries":{}})", true);
  // Keys in order, then one again, in a second "entries".
  check_alike(R"({"v":1,"entries":{"b":)" + entry_a + R"(},"entries":{"a":)"
                + entry_a + R"(,"b":)" + entry_b + R"(,"c":)" + entry_b
                + R"(,"b":)" + entry_a + "}}",
              true);
}

CAF_TEST(bad snapshots are rejected for the same reasons) {
  check_alike("[]", false);
  check_alike(R"({"v":1})", false);
  check_alike(R"({"v":2,"entries":{}})", false);
  check_alike(R"({"v":-1,"entries":{}})", false);
  check_alike(R"({"v":1.0,"entries":{}})", false);
  check_alike(R"({"v":{"a":1},"entries":{}})", false);
  check_alike(R"({"v":1,"entries":[1]})", false);
  check_alike(R"({"v":1,"entries":"x"})", false);
  check_alike(snapshot_of(R"("a":[1])"), false);
  check_alike(snapshot_of(R"("a":{"tombstone":1})"), false);
  check_alike(snapshot_of(R"("a":{"value":7})"), false);
  check_alike(snapshot_of(R"("a":{"value":"!!"})"), false);
  check_alike(
    snapshot_of(R"("a":{"tombstone":true,"value":"!!",)"
                R"("timestamp":"2026-05-18T10:00:00Z","origin":"n"})"),
    false);
  check_alike(snapshot_of(R"("a":{"timestamp":"2026-05-18T10:00:00Z"})"),
              false);
  check_alike(snapshot_of(R"("a":{"origin":null,)"
                          R"("timestamp":"2026-05-18T10:00:00Z"})"),
              false);
  check_alike(snapshot_of(R"("a":{"origin":"n","timestamp":"yesterday"})"),
              false);
  check_alike(snapshot_of(R"("a":{"origin":"n","timestamp":5})"), false);
  check_alike(snapshot_of(R"("a":{"origin":"n",)"
                          R"("timestamp":"2026-05-18T10:00:00Z",)"
                          R"("seq":18446744073709551616})"),
              false);
  // Of several bad entries, the first in key order is the reason.
  check_alike(snapshot_of(R"("b":{"value":7},"a":{"tombstone":1})"), false);
  // Not JSON at all, or not all of it.
  check_alike(snapshot_of(R"("a":)" + entry_a) + "x", false);
  check_alike(R"({"v":1,"entries":{"a":)", false);
  check_alike(snapshot_of("\"\xff\":" + entry_a), false);
  check_alike(std::string(200, '[') + std::string(200, ']'), false);
}

CAF_TEST(the fuzz corpus decodes alike) {
  auto files = corpus_files();
  CAF_REQUIRE(!files.empty());
  size_t json_files = 0;
  for (auto& file : files) {
    std::ifstream in{file, std::ios::binary};
    bytes text{std::istreambuf_iterator<char>{in}, {}};
    if (wire::format_of(text.data(), text.size()) != wire::format::json)
      continue;
    ++json_files;
    bool accepted = false;
    CAF_CHECK(decoded_alike(text, accepted));
    CAF_MESSAGE(file << (accepted ? ": accepted" : ": rejected"));
  }
  CAF_CHECK_GREATER_OR_EQUAL(json_files, 3u);
}

CAF_TEST(the writer writes the bytes the document encoder wrote) {
  std::vector<std::string> keys{
    "a",       "quote\"",           "back\\slash", "tab\t",   "nul\x01",
    "del\x7f", "\xc3\xa9t\xc3\xa9", "bad\xff",     "\xe2\x82"};
  bytes value{'v', 0, 0xff};
  std::vector<wire::entry_view> entries;
  int64_t stamp = 1'779'098'400'000'000'000;
  uint64_t seq = 0;
  for (auto& key : keys) {
    entries.push_back({key, seq % 2 == 0 ? &value : nullptr, stamp + 1,
                       seq % 3 == 0 ? "origin" : "\xff\"o", seq});
    ++seq;
  }
  CAF_CHECK(wire::encode_snapshot(wire::format::json, entries)
            == test::encode_json_snapshot_dom(entries));
  std::vector<wire::entry_view> none;
  CAF_CHECK(wire::encode_snapshot(wire::format::json, none)
            == test::encode_json_snapshot_dom(none));
}
