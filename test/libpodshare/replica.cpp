#define CAF_SUITE libpodshare.replica

#include "podshare/replica.hpp"

#include <caf/test/unit_test.hpp>

#include <map>
#include <memory>
#include <random>
#include <string>

using namespace podshare;

namespace {

entry live(std::string key, std::string value, uint64_t seq = 1) {
  entry x;
  x.key = std::move(key);
  x.version = version{1, "n", seq};
  x.value = bytes(value.begin(), value.end());
  x.decoded = std::make_shared<const std::string>(std::move(value));
  return x;
}

entry tombstone(std::string key) {
  entry x;
  x.key = std::move(key);
  x.version = version{2, "n", 1};
  x.tombstone = true;
  return x;
}

std::string value_of(const replica& r, const std::string& key) {
  return r.read(key, [](const entry* x) {
    return x == nullptr ? std::string{"<none>"}
                        : *static_cast<const std::string*>(x->decoded.get());
  });
}

// Builds a leaf with a chosen hash, to force collisions in the trie.
detail::entry_node* leaf(uint64_t hash, std::string key) {
  return new detail::entry_node{hash, live(std::move(key), "v")};
}

} // namespace

CAF_TEST(readers see nothing until the writer publishes) {
  replica r;
  r.put(live("k", "v"));
  CAF_CHECK_EQUAL(value_of(r, "k"), "<none>");
  CAF_CHECK(r.find("k") != nullptr);
  r.publish();
  CAF_CHECK_EQUAL(value_of(r, "k"), "v");
}

CAF_TEST(the trie agrees with a map model over random operations) {
  replica r;
  std::map<std::string, std::string> model;
  std::minstd_rand rng{42};
  for (int i = 0; i < 20000; ++i) {
    auto key = "key" + std::to_string(rng() % 3000);
    switch (rng() % 4) {
      case 0:
        r.remove(key);
        model.erase(key);
        break;
      default: {
        auto value = std::to_string(i);
        r.put(live(key, value));
        model[key] = value;
      }
    }
    if (rng() % 7 == 0)
      r.publish();
  }
  r.publish();
  size_t seen = 0;
  bool all_match = true;
  r.for_each([&](const entry& x) {
    ++seen;
    auto i = model.find(x.key);
    all_match
      = all_match && i != model.end()
        && i->second == *static_cast<const std::string*>(x.decoded.get());
  });
  CAF_CHECK(all_match);
  CAF_CHECK_EQUAL(seen, model.size());
  CAF_CHECK_EQUAL(r.live_count(), model.size());
  for (auto& [key, value] : model)
    CAF_CHECK_EQUAL(value_of(r, key), value);
}

CAF_TEST(live and tombstone counts follow replacements and removals) {
  replica r;
  r.put(live("a", "1"));
  r.put(live("b", "1"));
  r.put(tombstone("a"));
  CAF_CHECK_EQUAL(r.live_count(), 1u);
  CAF_CHECK_EQUAL(r.tombstone_count(), 1u);
  CAF_CHECK(r.remove("a"));
  CAF_CHECK(!r.remove("a"));
  CAF_CHECK_EQUAL(r.tombstone_count(), 0u);
  CAF_CHECK_EQUAL(r.live_count(), 1u);
}

CAF_TEST(a pinned view keeps its state while the writer moves on) {
  auto r = std::make_shared<replica>();
  for (int i = 0; i < 100; ++i)
    r->put(live("k" + std::to_string(i), "old"));
  r->publish();
  replica::pinned_view view{r};
  for (int i = 0; i < 100; ++i)
    r->put(live("k" + std::to_string(i), "new"));
  r->remove("k0");
  r->publish();
  int old_values = 0;
  view.for_each([&](const entry& x) {
    if (*static_cast<const std::string*>(x.decoded.get()) == "old")
      ++old_values;
  });
  CAF_CHECK_EQUAL(old_values, 100);
  CAF_CHECK_EQUAL(value_of(*r, "k1"), "new");
  CAF_CHECK_EQUAL(value_of(*r, "k0"), "<none>");
}

CAF_TEST(keys whose hashes collide completely stay apart) {
  detail::hamt trie;
  constexpr uint64_t same = 0xDEADBEEFCAFEF00DULL;
  trie.put(leaf(same, "a"));
  trie.put(leaf(same, "b"));
  trie.put(leaf(same, "c"));
  trie.put(leaf(same ^ 1, "d")); // differs in the last level only
  for (auto key : {"a", "b", "c"})
    CAF_CHECK(detail::hamt::find(trie.root(), same, key) != nullptr);
  CAF_CHECK(detail::hamt::find(trie.root(), same ^ 1, "d") != nullptr);
  CAF_CHECK(detail::hamt::find(trie.root(), same, "d") == nullptr);
  CAF_CHECK(trie.remove(same, "b"));
  CAF_CHECK(detail::hamt::find(trie.root(), same, "b") == nullptr);
  CAF_CHECK(detail::hamt::find(trie.root(), same, "a") != nullptr);
  CAF_CHECK(trie.remove(same, "a"));
  CAF_CHECK(detail::hamt::find(trie.root(), same, "c") != nullptr);
  for (auto& g : trie.seal())
    g.release(g.ptr);
}

CAF_TEST(keys sharing hash prefixes nest and collapse again) {
  detail::hamt trie;
  // Equal in the low 60 bits: the trie nests twelve levels deep.
  trie.put(leaf(0x0123456789ABCDEFULL, "x"));
  trie.put(leaf(0xF123456789ABCDEFULL, "y"));
  CAF_CHECK(detail::hamt::find(trie.root(), 0x0123456789ABCDEFULL, "x"));
  CAF_CHECK(detail::hamt::find(trie.root(), 0xF123456789ABCDEFULL, "y"));
  CAF_CHECK(trie.remove(0x0123456789ABCDEFULL, "x"));
  // The survivor moved up to the root: one leaf, no inner nodes.
  CAF_CHECK((trie.root() & 1) != 0);
  for (auto& g : trie.seal())
    g.release(g.ptr);
}

CAF_TEST(the epoch advances only when every reader has caught up) {
  auto& domain = detail::epoch_domain::instance();
  auto* reader = domain.acquire_slot();
  domain.enter(reader);
  auto entered = domain.current();
  domain.try_advance(); // the reader is in the current epoch: may advance
  auto next = domain.current();
  CAF_CHECK_LESS_OR_EQUAL(next, entered + 1);
  // The reader still announces the old epoch: no second step.
  domain.try_advance();
  domain.try_advance();
  CAF_CHECK_LESS_OR_EQUAL(domain.current(), entered + 1);
  detail::epoch_domain::exit(reader);
  domain.try_advance();
  CAF_CHECK_GREATER(domain.current(), entered);
  domain.release_slot(reader);
}
