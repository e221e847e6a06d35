#pragma once

#include "podshare/detail/hamt.hpp"
#include "podshare/record.hpp"

#include <cstdint>
#include <string_view>
#include <vector>

namespace podshare::detail {

/// The replica's records in key order: a B+tree with one writer and any
/// number of readers, under the same rules as the `hamt` beside it. Readers
/// traverse an immutable root; the writer copies the path it changes, so a
/// published root never changes under a reader, and collects what it
/// unlinks as garbage. Nodes made since the last `seal` are changed in
/// place, so a batch copies each path once.
///
/// The tree holds pointers to records it does not own (the hamt does). An
/// inner node routes by the records that begin its children, so the writer
/// swaps a key's new record in wherever the old one stood: no pointer to a
/// replaced record survives in the tree it publishes next.
class ordered_index {
public:
  struct node;

  ordered_index() = default;
  ordered_index(const ordered_index&) = delete;
  ordered_index& operator=(const ordered_index&) = delete;
  ~ordered_index();

  // -- reading (any thread, inside an epoch read) ---------------------------

  /// Calls `f(const record&)` for each record below `root` whose key is at
  /// least `from` and below `to` (no upper bound when `to` is empty), in key
  /// order, until `f` returns false.
  template <class F>
  static void for_range(const node* root, std::string_view from,
                        std::string_view to, F&& f) {
    if (root != nullptr)
      visit(root, from, to, true, f);
  }

  // -- writing (the writer only) --------------------------------------------

  /// The writer's current root, including unsealed changes.
  const node* root() const noexcept { return root_; }

  /// Adds `x`. @pre no record of its key is in the tree.
  void insert(const record* x);

  /// Puts `x` where the record of its key stands. @pre there is one.
  void replace(const record* x);

  /// Removes the record of `key`, if there is one.
  void remove(std::string_view key);

  /// Ends a batch: what follows copies again. Appends the nodes the batch
  /// unlinked to `into`, to free once readers have moved on.
  void seal(std::vector<garbage>& into);

  /// The largest number of entries a node holds.
  static constexpr uint16_t max_entries = 64;

private:
  node* writable(node* n, uint16_t need);
  node* make(bool leaf, uint16_t count, uint16_t capacity);
  void drop(node* n);
  void free_tree(node* n);

  node* insert_into(node* n, const record* x, node*& right,
                    const record*& right_first);
  node* replace_in(node* n, const record* x);
  node* remove_from(node* n, std::string_view key, bool& removed);
  void merge_small_leaf(node* parent, uint16_t i);

  template <class F>
  static bool visit(const node* n, std::string_view from, std::string_view to,
                    bool bounded_below, F& f);

  static uint16_t child_index(const node* n, std::string_view key);
  static uint16_t lower_bound(const node* n, std::string_view key);
  static const record* leftmost(const node* n);

  node* root_ = nullptr;
  uint64_t generation_ = 1;
  std::vector<garbage> garbage_;
};

/// A node: `capacity` slots follow the header in the same allocation. A leaf
/// holds its records there, in key order. An inner node holds its children
/// there, and after them, per child but the first, the record that begins
/// that child's subtree (the separator routing to it).
struct ordered_index::node {
  uint64_t generation;
  uint16_t count;
  uint16_t capacity;
  bool leaf;

  const record** items() { return reinterpret_cast<const record**>(this + 1); }
  const record* const* items() const {
    return reinterpret_cast<const record* const*>(this + 1);
  }
  node** children() { return reinterpret_cast<node**>(this + 1); }
  const node* const* children() const {
    return reinterpret_cast<const node* const*>(this + 1);
  }
  const record** separators() { return items() + capacity; }
  const record* const* separators() const { return items() + capacity; }
};

inline uint16_t ordered_index::child_index(const node* n,
                                           std::string_view key) {
  // The last child whose separator is at most `key`; the first if none is.
  uint16_t lo = 1;
  uint16_t hi = n->count;
  auto* seps = n->separators();
  while (lo < hi) {
    auto mid = static_cast<uint16_t>((lo + hi) / 2);
    if (key < seps[mid]->key())
      hi = mid;
    else
      lo = static_cast<uint16_t>(mid + 1);
  }
  return static_cast<uint16_t>(lo - 1);
}

inline uint16_t ordered_index::lower_bound(const node* n,
                                           std::string_view key) {
  uint16_t lo = 0;
  uint16_t hi = n->count;
  auto* items = n->items();
  while (lo < hi) {
    auto mid = static_cast<uint16_t>((lo + hi) / 2);
    if (items[mid]->key() < key)
      lo = static_cast<uint16_t>(mid + 1);
    else
      hi = mid;
  }
  return lo;
}

template <class F>
bool ordered_index::visit(const node* n, std::string_view from,
                          std::string_view to, bool bounded_below, F& f) {
  if (n->leaf) {
    uint16_t start = bounded_below ? lower_bound(n, from) : 0;
    auto* items = n->items();
    // Records are scattered in memory: ask for this leaf's at once so
    // their cache misses overlap instead of coming one after another.
    for (uint16_t i = start; i < n->count; ++i)
      __builtin_prefetch(items[i]);
    for (uint16_t i = start; i < n->count; ++i) {
      if (!to.empty() && items[i]->key() >= to)
        return false;
      if (!f(*items[i]))
        return false;
    }
    return true;
  }
  uint16_t start = bounded_below ? child_index(n, from) : 0;
  auto* kids = n->children();
  auto* seps = n->separators();
  for (uint16_t i = start; i < n->count; ++i) {
    if (i > start && !to.empty() && seps[i]->key() >= to)
      return false;
    if (!visit(kids[i], from, to, bounded_below && i == start, f))
      return false;
  }
  return true;
}

} // namespace podshare::detail
