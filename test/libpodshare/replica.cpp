#define CAF_SUITE libpodshare.replica

#include "podshare/replica.hpp"

#include <caf/test/unit_test.hpp>

#include <algorithm>
#include <map>
#include <memory>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

using namespace podshare;

namespace {

// A replica of strings.
struct string_replica : replica {
  string_replica() : replica(layout_of<std::string>()) {}

  void put_live(const std::string& key, const std::string& value) {
    put(key, version{1, "n", 1}, &value);
  }

  void put_tombstone(const std::string& key) {
    put(key, version{2, "n", 1}, nullptr);
  }
};

std::string value_of(const replica& r, const std::string& key) {
  return r.read(key, [](const record* x) {
    return x == nullptr ? std::string{"<none>"} : x->value_as<std::string>();
  });
}

// The hashes the test chose for its keys.
std::map<std::string, uint64_t, std::less<>> chosen_hashes;

uint64_t chosen_hash(std::string_view key) {
  return chosen_hashes.find(key)->second;
}

// A trie of tombstones (no values to free), for hashes chosen by the test.
struct bare_trie {
  detail::hamt trie{detail::leaf_releaser{[](void* leaf, void*) {
                                            record::destroy(
                                              static_cast<record*>(leaf),
                                              value_layout{});
                                          },
                                          nullptr},
                    chosen_hash};
  detail::interned_origin origin{"n", 1};

  // Returns the replaced leaf, if any.
  const record* put(uint64_t hash, std::string_view key) {
    chosen_hashes[std::string{key}] = hash;
    return trie.put(hash,
                    record::make(key, 1, &origin, 1, nullptr, value_layout{}));
  }
};

} // namespace

CAF_TEST(readers see nothing until the writer publishes) {
  string_replica r;
  r.put_live("k", "v");
  CAF_CHECK_EQUAL(value_of(r, "k"), "<none>");
  CAF_CHECK(r.find("k") != nullptr);
  r.publish();
  CAF_CHECK_EQUAL(value_of(r, "k"), "v");
}

CAF_TEST(the trie agrees with a map model over random operations) {
  string_replica r;
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
        r.put_live(key, value);
        model[key] = value;
      }
    }
    if (rng() % 7 == 0)
      r.publish();
  }
  r.publish();
  size_t seen = 0;
  bool all_match = true;
  r.for_each([&](const record& x) {
    ++seen;
    auto i = model.find(std::string{x.key()});
    all_match
      = all_match && i != model.end() && i->second == x.value_as<std::string>();
  });
  CAF_CHECK(all_match);
  CAF_CHECK_EQUAL(seen, model.size());
  CAF_CHECK_EQUAL(r.live_count(), model.size());
  for (auto& [key, value] : model)
    CAF_CHECK_EQUAL(value_of(r, key), value);
}

CAF_TEST(live and tombstone counts follow replacements and removals) {
  string_replica r;
  r.put_live("a", "1");
  r.put_live("b", "1");
  r.put_tombstone("a");
  CAF_CHECK_EQUAL(r.live_count(), 1u);
  CAF_CHECK_EQUAL(r.tombstone_count(), 1u);
  CAF_CHECK(r.remove("a"));
  CAF_CHECK(!r.remove("a"));
  CAF_CHECK_EQUAL(r.tombstone_count(), 0u);
  CAF_CHECK_EQUAL(r.live_count(), 1u);
}

CAF_TEST(a moved value is taken over and a copied one left alone) {
  string_replica r;
  // Longer than the small-string buffer, so that a move takes the heap copy.
  std::string moved(100, 'm');
  std::string copied(100, 'c');
  r.put("moved", version{1, "n", 1}, &moved, nullptr, value_transfer::move);
  r.put("copied", version{1, "n", 2}, &copied, nullptr, value_transfer::copy);
  r.publish();
  CAF_CHECK_EQUAL(value_of(r, "moved"), std::string(100, 'm'));
  CAF_CHECK_EQUAL(value_of(r, "copied"), std::string(100, 'c'));
  CAF_CHECK_EQUAL(copied, std::string(100, 'c'));
  // libstdc++ leaves a string it moved a heap buffer out of empty.
  CAF_CHECK(moved.empty());
}

CAF_TEST(a pinned view keeps its state while the writer moves on) {
  auto r = std::make_shared<string_replica>();
  for (int i = 0; i < 100; ++i)
    r->put_live("k" + std::to_string(i), "old");
  r->publish();
  replica::pinned_view view{r};
  for (int i = 0; i < 100; ++i)
    r->put_live("k" + std::to_string(i), "new");
  r->remove("k0");
  r->publish();
  int old_values = 0;
  view.for_each([&](const record& x) {
    if (x.value_as<std::string>() == "old")
      ++old_values;
  });
  CAF_CHECK_EQUAL(old_values, 100);
  CAF_CHECK_EQUAL(value_of(*r, "k1"), "new");
  CAF_CHECK_EQUAL(value_of(*r, "k0"), "<none>");
}

CAF_TEST(a pinned view walks its entries in key order when it keeps one) {
  // Snapshots are written so: a late joiner's index inserts then append.
  for (bool ordered : {true, false}) {
    auto r = std::make_shared<replica>(layout_of<std::string>(), ordered);
    std::string value = "v";
    std::minstd_rand rng{7};
    for (int i = 0; i < 500; ++i)
      r->put("k" + std::to_string(rng() % 100000), version{1, "n", 1}, &value);
    r->publish();
    replica::pinned_view view{r};
    std::vector<std::string> in_order;
    view.for_each_in_key_order(
      [&](const record& x) { in_order.emplace_back(x.key()); });
    std::vector<std::string> any_order;
    view.for_each([&](const record& x) { any_order.emplace_back(x.key()); });
    CAF_CHECK_EQUAL(in_order.size(), r->live_count());
    CAF_CHECK_EQUAL(any_order.size(), r->live_count());
    if (ordered)
      CAF_CHECK(std::is_sorted(in_order.begin(), in_order.end()));
    std::sort(any_order.begin(), any_order.end());
    std::sort(in_order.begin(), in_order.end());
    CAF_CHECK_EQUAL(in_order, any_order);
  }
}

CAF_TEST(an origin is kept once and freed with its last entry) {
  string_replica r;
  std::string value = "v";
  r.put("k1", version{1, "writer-a", 1}, &value);
  r.put("k2", version{1, "writer-a", 2}, &value);
  r.put("k3", version{1, "writer-b", 1}, &value);
  r.publish();
  CAF_CHECK_EQUAL(r.origin_count(), 2u);
  r.put("k3", version{2, "writer-a", 3}, &value);
  r.publish();
  // Still 2: the replaced entry waits two epochs for readers to move on.
  CAF_CHECK_EQUAL(r.origin_count(), 2u);
  r.publish();
  r.publish();
  CAF_CHECK_EQUAL(r.origin_count(), 1u);
  CAF_CHECK_EQUAL(r.read("k3", [](const record* x) { return x->version(); }),
                  (version{2, "writer-a", 3}));
}

CAF_TEST(keys whose hashes collide completely stay apart) {
  bare_trie bare;
  auto& trie = bare.trie;
  constexpr uint64_t same = 0xDEADBEEFCAFEF00DULL;
  CAF_CHECK(bare.put(same, "a") == nullptr);
  CAF_CHECK(bare.put(same, "b") == nullptr);
  CAF_CHECK(bare.put(same, "c") == nullptr);
  // Replacing a key in a collision node hands back the leaf it replaced.
  auto* first_c = detail::hamt::find(trie.root(), same, "c");
  CAF_CHECK(bare.put(same, "c") == first_c);
  CAF_CHECK(detail::hamt::find(trie.root(), same, "c") != first_c);
  CAF_CHECK(bare.put(same ^ 1, "d") == nullptr); // differs in the last level
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
    g.release(g.ptr, g.context);
}

CAF_TEST(keys sharing hash prefixes nest and collapse again) {
  bare_trie bare;
  auto& trie = bare.trie;
  // Equal in the low 60 bits: the trie nests twelve levels deep.
  bare.put(0x0123456789ABCDEFULL, "x");
  bare.put(0xF123456789ABCDEFULL, "y");
  // Replacing a nested leaf hands back the leaf it replaced.
  auto* first_y = detail::hamt::find(trie.root(), 0xF123456789ABCDEFULL, "y");
  CAF_CHECK(bare.put(0xF123456789ABCDEFULL, "y") == first_y);
  CAF_CHECK(detail::hamt::find(trie.root(), 0x0123456789ABCDEFULL, "x"));
  CAF_CHECK(detail::hamt::find(trie.root(), 0xF123456789ABCDEFULL, "y"));
  CAF_CHECK(trie.remove(0x0123456789ABCDEFULL, "x"));
  // The survivor moved up to the root: one leaf, no inner nodes.
  CAF_CHECK((trie.root() & 1) != 0);
  for (auto& g : trie.seal())
    g.release(g.ptr, g.context);
}

CAF_TEST(a prefetch walks each path to the leaf that find would compare) {
  bare_trie bare;
  auto& trie = bare.trie;
  constexpr uint64_t nested_x = 0x0123456789ABCDEFULL;
  constexpr uint64_t nested_y = 0xF123456789ABCDEFULL;
  constexpr uint64_t colliding = 0xDEADBEEFCAFEF00DULL;
  bare.put(nested_x, "x");
  bare.put(nested_y, "y");
  bare.put(colliding, "a");
  bare.put(colliding, "b");
  bare.put(7, "shallow");
  std::vector<uint64_t> hashes{nested_x,
                               nested_y,
                               7,
                               colliding,
                               7 | (uint64_t{1} << 40), // ends at "shallow"
                               nested_x ^ 1};           // no path
  std::vector<detail::node_ref> cursors;
  detail::hamt::prefetch(trie.root(), hashes, cursors);
  auto leaf
    = [](const record* x) { return reinterpret_cast<detail::node_ref>(x) | 1; };
  CAF_REQUIRE_EQUAL(cursors.size(), hashes.size());
  CAF_CHECK_EQUAL(cursors[0],
                  leaf(detail::hamt::find(trie.root(), nested_x, "x")));
  CAF_CHECK_EQUAL(cursors[1],
                  leaf(detail::hamt::find(trie.root(), nested_y, "y")));
  CAF_CHECK_EQUAL(cursors[2],
                  leaf(detail::hamt::find(trie.root(), 7, "shallow")));
  // The collision node: an inner node, with both leaves below it.
  CAF_CHECK(cursors[3] != 0 && (cursors[3] & 1) == 0);
  CAF_CHECK_EQUAL(cursors[4], cursors[2]);
  CAF_CHECK_EQUAL(cursors[5], 0u);
  // An empty trie and a lone leaf.
  detail::hamt::prefetch(0, hashes, cursors);
  CAF_CHECK_EQUAL(cursors[0], 0u);
  bare_trie lone;
  lone.put(nested_x, "x");
  detail::hamt::prefetch(lone.trie.root(), hashes, cursors);
  CAF_CHECK_EQUAL(cursors[5], lone.trie.root());
  for (auto* t : {&trie, &lone.trie})
    for (auto& g : t->seal())
      g.release(g.ptr, g.context);
}

CAF_TEST(a recycled garbage list collects the next batch and loses nothing) {
  bare_trie bare;
  auto& trie = bare.trie;
  bare.put(1, "a");
  trie.seal(); // a fresh leaf in a fresh trie unlinks nothing
  bare.put(1, "a");
  auto first = trie.seal();
  CAF_REQUIRE_EQUAL(first.size(), 1u);
  for (auto& g : first)
    g.release(g.ptr, g.context);
  first.reserve(16);
  auto* buffer = first.data();
  trie.recycle(std::move(first));
  bare.put(1, "a");
  auto second = trie.seal();
  // The next batch's garbage went into the recycled buffer, alone.
  CAF_CHECK(second.data() == buffer);
  CAF_CHECK_EQUAL(second.size(), 1u);
  // A list handed back while garbage is pending is refused: adopting it
  // would drop that garbage.
  bare.put(1, "a");
  std::vector<detail::garbage> spare;
  spare.reserve(64);
  trie.recycle(std::move(spare));
  auto third = trie.seal();
  CAF_CHECK_EQUAL(third.size(), 1u);
  for (auto* bag : {&second, &third})
    for (auto& g : *bag)
      g.release(g.ptr, g.context);
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

namespace {

// Counts live keys; throws at the fold `fail_at` (counted from 1).
struct counting_observer : replica_observer {
  int folds = 0;
  int fail_at = 0;

  std::shared_ptr<const void>
  fold(const std::shared_ptr<const void>& state,
       const std::vector<replica_change>& changes) override {
    if (++folds == fail_at)
      throw std::runtime_error("refused");
    auto n = *static_cast<const int*>(state.get());
    for (auto& x : changes)
      n += (x.after != nullptr ? 1 : 0) - (x.before != nullptr ? 1 : 0);
    return std::make_shared<const int>(n);
  }
};

int derived_count(const replica& r, size_t id) {
  replica::view v{r};
  return *static_cast<const int*>(v.derived(id));
}

} // namespace

CAF_TEST(observers fold each change once and all or none of a batch) {
  string_replica r;
  auto a = std::make_shared<counting_observer>();
  auto zero = std::make_shared<const int>(0);
  auto first = r.add_observer(a, zero);
  r.put_live("k1", "v");
  // Added while k1 is staged: it starts with k1, and `a` folds k1 once.
  auto b = std::make_shared<counting_observer>();
  auto second = r.add_observer(b, zero);
  r.publish();
  CAF_CHECK_EQUAL(derived_count(r, first), 1);
  CAF_CHECK_EQUAL(derived_count(r, second), 1);
  // `b` refuses the next batch: neither state moves, nothing is published.
  b->fail_at = b->folds + 1;
  r.put_live("k2", "v");
  bool thrown = false;
  try {
    r.publish();
  } catch (const std::runtime_error&) {
    thrown = true;
  }
  CAF_CHECK(thrown);
  CAF_CHECK_EQUAL(derived_count(r, first), 1);
  // The next publish folds the batch into both, once.
  r.put_tombstone("k1");
  r.publish();
  CAF_CHECK_EQUAL(derived_count(r, first), 1);
  CAF_CHECK_EQUAL(derived_count(r, second), 1);
  CAF_CHECK_EQUAL(value_of(r, "k2"), "v");
}
