#define CAF_SUITE libpodshare.ordered_index

#include "podshare/key_range.hpp"
#include "podshare/replica.hpp"

#include <caf/test/unit_test.hpp>

#include <rapidcheck.h>

#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

using namespace podshare;

namespace {

// A key's state in the model: a live value, or a tombstone (nullopt).
using model = std::map<std::string, std::optional<std::string>>;

// One step of a batch: a write, a tombstone, or a removal (the GC's).
struct op {
  int kind; // 0, 1: write; 2: tombstone; 3: removal
  std::string key;
};

void apply(replica& r, model& m, const op& x, int stamp) {
  auto v = version{stamp, "n", static_cast<uint64_t>(stamp)};
  auto value = std::to_string(stamp);
  switch (x.kind) {
    case 2:
      r.put(x.key, v, nullptr);
      m[x.key] = std::nullopt;
      break;
    case 3:
      r.remove(x.key);
      m.erase(x.key);
      break;
    default: r.put(x.key, v, &value); m[x.key] = value;
  }
}

// What a range read of the replica gives: key and value, "~" for tombstones.
using listing = std::vector<std::pair<std::string, std::string>>;

template <class Reader>
listing read_range(const Reader& r, std::string_view from,
                   std::string_view to) {
  listing result;
  r.for_range(from, to, [&](const record& x) {
    result.emplace_back(x.key(),
                        x.tombstone() ? "~" : x.value_as<std::string>());
    return true;
  });
  return result;
}

listing model_range(const model& m, const std::string& from,
                    const std::string& to) {
  listing result;
  for (auto i = m.lower_bound(from); i != m.end(); ++i) {
    if (!to.empty() && i->first >= to)
      break;
    result.emplace_back(i->first, i->second ? *i->second : "~");
  }
  return result;
}

// Keys over a small alphabet, so that writes meet, prefixes share, and a
// few hundred of them build a tree of several levels.
rc::Gen<std::string> small_key() {
  return rc::gen::container<std::string>(*rc::gen::inRange<size_t>(0, 7),
                                         rc::gen::element('a', 'b', 'c', 'd'));
}

rc::Gen<op> any_op() {
  return rc::gen::build<op>(rc::gen::set(&op::kind, rc::gen::inRange(0, 4)),
                            rc::gen::set(&op::key, small_key()));
}

} // namespace

CAF_TEST(range reads agree with a std::map under random batches) {
  // Without the ordered index (options::ordered_reads off), ranges scan and
  // sort: the same answers.
  CAF_CHECK(rc::check("ranges match the model", [](bool ordered) {
    replica r{layout_of<std::string>(), ordered};
    model m;
    auto batches = *rc::gen::inRange(1, 8);
    int stamp = 0;
    for (int b = 0; b < batches; ++b) {
      auto ops = *rc::gen::container<std::vector<op>>(
        *rc::gen::inRange<size_t>(0, 400), any_op());
      for (auto& x : ops)
        apply(r, m, x, ++stamp);
      // A view taken before publishing keeps the state it saw.
      replica::view before{r};
      auto seen_before = read_range(before, "", "");
      r.publish();
      RC_ASSERT(read_range(before, "", "") == seen_before);
      RC_ASSERT(read_range(r, "", "") == model_range(m, "", ""));
      for (int q = 0; q < 10; ++q) {
        auto from = *small_key();
        auto to = *small_key();
        RC_ASSERT(read_range(r, from, to) == model_range(m, from, to));
        RC_ASSERT(read_range(r, from, prefix_end(from))
                  == model_range(m, from, prefix_end(from)));
      }
    }
  }));
}

CAF_TEST(a reader may stop a range early) {
  replica r{layout_of<std::string>()};
  model m;
  for (int i = 0; i < 1000; ++i)
    apply(r, m, {0, "k" + std::to_string(1000 + i)}, i + 1);
  r.publish();
  std::vector<std::string> first;
  r.for_range("k1500", "", [&](const record& x) {
    first.emplace_back(x.key());
    return first.size() < 3;
  });
  CAF_CHECK_EQUAL(first, (std::vector<std::string>{"k1500", "k1501", "k1502"}));
}

CAF_TEST(keys in ascending and descending runs split and empty cleanly) {
  replica r{layout_of<std::string>()};
  model m;
  int stamp = 0;
  for (int i = 0; i < 20000; ++i)
    apply(r, m, {0, "up" + std::to_string(100000 + i)}, ++stamp);
  for (int i = 20000; i > 0; --i)
    apply(r, m, {0, "down" + std::to_string(100000 + i)}, ++stamp);
  r.publish();
  CAF_CHECK(read_range(r, "", "") == model_range(m, "", ""));
  CAF_CHECK(read_range(r, "up1100", "up1105")
            == model_range(m, "up1100", "up1105"));
  // Removing every other key, then the rest, merges leaves on the way and
  // leaves nothing behind.
  for (int i = 0; i < 20000; i += 2) {
    apply(r, m, {3, "up" + std::to_string(100000 + i)}, ++stamp);
    apply(r, m, {3, "down" + std::to_string(100001 + i)}, ++stamp);
  }
  r.publish();
  CAF_CHECK(read_range(r, "", "") == model_range(m, "", ""));
  for (int i = 0; i <= 20001; ++i) {
    apply(r, m, {3, "up" + std::to_string(100000 + i)}, ++stamp);
    apply(r, m, {3, "down" + std::to_string(100000 + i)}, ++stamp);
  }
  r.publish();
  CAF_CHECK(m.empty());
  CAF_CHECK(read_range(r, "", "").empty());
  // And it grows again from nothing.
  apply(r, m, {0, "again"}, ++stamp);
  r.publish();
  CAF_CHECK(read_range(r, "", "") == model_range(m, "", ""));
}

CAF_TEST(a key that routes the tree can be replaced and removed) {
  // 65 keys fill a leaf past its capacity: the second leaf begins with a
  // key the root routes by. Replace it, then remove it, reading between.
  replica r{layout_of<std::string>()};
  model m;
  int stamp = 0;
  for (int i = 0; i < 200; ++i)
    apply(r, m, {0, "k" + std::to_string(1000 + i)}, ++stamp);
  r.publish();
  for (int round = 0; round < 3; ++round) {
    for (auto& [key, value] : listing{read_range(r, "", "")}) {
      apply(r, m, {0, key}, ++stamp);
      r.publish();
      CAF_REQUIRE(read_range(r, key, "") == model_range(m, key, ""));
    }
  }
  for (auto& [key, value] : listing{read_range(r, "", "")}) {
    apply(r, m, {3, key}, ++stamp);
    r.publish();
    CAF_REQUIRE(read_range(r, "", "") == model_range(m, "", ""));
  }
}

CAF_TEST(prefix ends step past every key of the prefix) {
  CAF_CHECK_EQUAL(prefix_end("ab"), "ac");
  CAF_CHECK_EQUAL(prefix_end(""), "");
  CAF_CHECK_EQUAL(prefix_end("a\xff"), "b");
  CAF_CHECK_EQUAL(prefix_end("\xff\xff"), "");
  CAF_CHECK(in_range("b", "a", ""));
  CAF_CHECK(!in_range("c", "a", "c"));
  CAF_CHECK(in_range("a", "a", "c"));
}
