#pragma once

#include "podshare/record.hpp"

#include <cstdint>
#include <string_view>
#include <vector>

namespace podshare::detail {

/// Memory unlinked from the trie, to free once no reader can reach it.
struct garbage {
  void* ptr;
  void (*release)(void* ptr, void* context);
  void* context;
};

/// Frees the trie's leaves: the trie does not know what their values are.
struct leaf_releaser {
  void (*release)(void* leaf, void* context);
  void* context;
};

/// A tagged pointer to a trie node: 0 is the empty trie, an odd value a leaf
/// (`record*`), an even one an inner node.
using node_ref = uintptr_t;

/// A hash array mapped trie with one writer and any number of readers.
/// Readers traverse an immutable root; the writer copies the path it
/// changes, so a published root never changes under a reader, and collects
/// the nodes it unlinks as garbage. Inner nodes made since the last
/// `seal` are not yet visible to readers and are changed in place, so a
/// batch copies each path once.
class hamt {
public:
  /// Hashes a key; leaves do not keep their hashes (8 bytes an entry), so
  /// the trie asks again the few times it needs a leaf's.
  using hash_function = uint64_t (*)(std::string_view key);

  hamt(leaf_releaser releaser, hash_function hash)
    : releaser_(releaser), hash_(hash) {}
  hamt(const hamt&) = delete;
  hamt& operator=(const hamt&) = delete;
  ~hamt();

  // -- reading (any thread, inside an epoch read) ---------------------------

  /// Finds `key` in the trie below `node`; null if it is not there.
  static const record* find(node_ref node, uint64_t hash, std::string_view key);

  /// Calls `f(const record&)` for each leaf below `root`.
  template <class F>
  static void for_each(node_ref root, F&& f);

  /// Asks the cache for the nodes and leaves on the paths to `hashes`, all
  /// paths one level at a time, so that a batch's cache misses overlap
  /// instead of each lookup waiting for its own. Afterwards `cursors[i]` is
  /// where the path of `hashes[i]` ends: the leaf that `find` would compare,
  /// the collision node that holds the hash, or 0 where no path goes.
  static void prefetch(node_ref root, const std::vector<uint64_t>& hashes,
                       std::vector<node_ref>& cursors);

  // -- writing (the writer only) --------------------------------------------

  /// The writer's current root, including unsealed changes.
  node_ref root() const noexcept { return root_; }

  /// Inserts or replaces the leaf for `leaf->key()`, whose hash is `hash`;
  /// takes ownership. The replaced leaf, if any, goes to the garbage and is
  /// returned (readable until the garbage is freed); null when the key is
  /// new.
  const record* put(uint64_t hash, record* leaf);

  /// Removes `key`; returns whether it was there.
  bool remove(uint64_t hash, std::string_view key);

  /// Ends a batch: what follows copies again. Returns the garbage of the
  /// batch for the caller to free once readers have moved on.
  std::vector<garbage> seal();

  /// Takes back a garbage list whose entries the caller has freed, to
  /// collect the next batch's garbage in: growing a new list costs a
  /// handful of allocations per batch, large ones for large batches.
  void recycle(std::vector<garbage>&& spent);

private:
  struct inner;

  node_ref assoc(node_ref node, unsigned shift, uint64_t hash, record* leaf,
                 const record*& replaced);
  node_ref dissoc(node_ref node, unsigned shift, uint64_t hash,
                  std::string_view key, bool& removed);
  node_ref join(node_ref existing, uint64_t existing_hash, uint64_t hash,
                record* leaf, unsigned shift);
  inner* make_inner(uint32_t bitmap, uint16_t count, bool collision);
  void drop(inner* node);
  void drop_leaf(const record* leaf);
  // Frees a node tree unconditionally (no reader may hold it).
  void free_tree(node_ref node);

  static const node_ref* children(const inner* node);
  static bool is_leaf(node_ref x) { return (x & 1) != 0; }
  static const record* as_leaf(node_ref x) {
    return reinterpret_cast<const record*>(x & ~node_ref{1});
  }

  // The largest garbage list `recycle` keeps (24 bytes an entry).
  static constexpr size_t max_recycled = 4096;

  leaf_releaser releaser_;
  hash_function hash_;
  node_ref root_ = 0;
  uint64_t generation_ = 1;
  std::vector<garbage> garbage_;
};

/// Inner node header; `count` child refs follow it in the same allocation.
struct hamt::inner {
  uint64_t generation;
  uint32_t bitmap;
  uint16_t count;
  uint16_t collision;
};

inline const node_ref* hamt::children(const inner* node) {
  return reinterpret_cast<const node_ref*>(node + 1);
}

template <class F>
void hamt::for_each(node_ref root, F&& f) {
  if (root == 0)
    return;
  if (is_leaf(root)) {
    f(*as_leaf(root));
    return;
  }
  auto* node = reinterpret_cast<const inner*>(root);
  auto* kids = children(node);
  // Leaves are scattered in memory: ask for all of this node's at once so
  // their cache misses overlap instead of coming one after another.
  for (uint16_t i = 0; i < node->count; ++i)
    __builtin_prefetch(reinterpret_cast<const void*>(kids[i] & ~node_ref{1}));
  for (uint16_t i = 0; i < node->count; ++i)
    for_each(kids[i], f);
}

} // namespace podshare::detail
