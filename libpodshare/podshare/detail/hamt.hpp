#pragma once

#include "podshare/entry.hpp"

#include <cstdint>
#include <string_view>
#include <vector>

namespace podshare::detail {

/// An entry with its key's hash, as a leaf of the trie.
struct entry_node {
  uint64_t hash;
  podshare::entry data;
};

/// Memory unlinked from the trie, to free once no reader can reach it.
struct garbage {
  void* ptr;
  void (*release)(void*);
};

/// A tagged pointer to a trie node: 0 is the empty trie, an odd value a leaf
/// (`entry_node*`), an even one an inner node.
using node_ref = uintptr_t;

/// A hash array mapped trie with one writer and any number of readers.
/// Readers traverse an immutable root; the writer copies the path it
/// changes, so a published root never changes under a reader, and collects
/// the nodes it unlinks as garbage. Inner nodes made since the last
/// `seal` are not yet visible to readers and are changed in place, so a
/// batch copies each path once.
class hamt {
public:
  hamt() = default;
  hamt(const hamt&) = delete;
  hamt& operator=(const hamt&) = delete;
  ~hamt();

  // -- reading (any thread, inside an epoch read) ---------------------------

  /// Finds `key` below `root`; null if it is not there.
  static const entry_node* find(node_ref root, uint64_t hash,
                                std::string_view key);

  /// Calls `f(const entry_node&)` for each leaf below `root`.
  template <class F>
  static void for_each(node_ref root, F&& f);

  // -- writing (the writer only) --------------------------------------------

  /// The writer's current root, including unsealed changes.
  node_ref root() const noexcept { return root_; }

  /// Inserts or replaces the leaf for `leaf->data.key`; takes ownership. The
  /// replaced leaf, if any, goes to the garbage.
  void put(entry_node* leaf);

  /// Removes `key`; returns whether it was there.
  bool remove(uint64_t hash, std::string_view key);

  /// Ends a batch: what follows copies again. Returns the garbage of the
  /// batch for the caller to free once readers have moved on.
  std::vector<garbage> seal();

  /// Frees a node tree or leaf unconditionally (no reader may hold it).
  static void free_tree(node_ref node);

private:
  struct inner;

  node_ref assoc(node_ref node, unsigned shift, entry_node* leaf);
  node_ref dissoc(node_ref node, unsigned shift, uint64_t hash,
                  std::string_view key, bool& removed);
  node_ref join(node_ref existing, entry_node* leaf, unsigned shift);
  inner* make_inner(uint32_t bitmap, uint16_t count, bool collision);
  void drop(inner* node);
  void drop_leaf(const entry_node* leaf);

  static const node_ref* children(const inner* node);
  static bool is_leaf(node_ref x) { return (x & 1) != 0; }
  static const entry_node* as_leaf(node_ref x) {
    return reinterpret_cast<const entry_node*>(x & ~node_ref{1});
  }

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
  for (uint16_t i = 0; i < node->count; ++i)
    for_each(children(node)[i], f);
}

} // namespace podshare::detail
