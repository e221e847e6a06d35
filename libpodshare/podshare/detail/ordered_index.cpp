#include "podshare/detail/ordered_index.hpp"

#include <algorithm>
#include <cstring>
#include <new>

namespace podshare::detail {

namespace {

// Room a copied node gets beyond what it needs, so that a batch adding
// keys to one node copies it once rather than once per key. Nodes are sized
// to what they hold because most of them sit unchanged: a full-size leaf
// would cost about 4 bytes more per entry.
constexpr uint16_t slack = 4;

// A leaf this small after a removal joins a neighbour.
constexpr uint16_t small_leaf = ordered_index::max_entries / 4;

void delete_node(void* ptr, void*) {
  ::operator delete(ptr);
}

size_t slots_of(bool leaf, uint16_t capacity) {
  return leaf ? capacity : 2u * capacity;
}

// The capacity of a node made to hold `count` entries.
uint16_t room_for(uint16_t count) {
  return std::min<uint16_t>(ordered_index::max_entries,
                            static_cast<uint16_t>(count + slack));
}

} // namespace

ordered_index::~ordered_index() {
  free_tree(root_);
  for (auto& g : garbage_)
    g.release(g.ptr, g.context);
}

void ordered_index::free_tree(node* n) {
  if (n == nullptr)
    return;
  if (!n->leaf)
    for (uint16_t i = 0; i < n->count; ++i)
      free_tree(n->children()[i]);
  ::operator delete(n);
}

ordered_index::node* ordered_index::make(bool leaf, uint16_t count,
                                         uint16_t capacity) {
  auto* mem
    = ::operator new(sizeof(node) + slots_of(leaf, capacity) * sizeof(void*));
  return new (mem) node{generation_, count, capacity, leaf};
}

void ordered_index::drop(node* n) {
  // A node of this generation was never published: no reader can hold it.
  if (n->generation == generation_)
    ::operator delete(n);
  else
    garbage_.push_back({n, delete_node, nullptr});
}

ordered_index::node* ordered_index::writable(node* n, uint16_t need) {
  if (n->generation == generation_ && n->capacity >= need)
    return n;
  auto* copy = make(n->leaf, n->count, room_for(need));
  std::memcpy(copy->items(), n->items(), n->count * sizeof(void*));
  if (!n->leaf)
    std::memcpy(copy->separators(), n->separators(), n->count * sizeof(void*));
  drop(n);
  return copy;
}

const record* ordered_index::leftmost(const node* n) {
  while (!n->leaf)
    n = n->children()[0];
  return n->items()[0];
}

void ordered_index::seal(std::vector<garbage>& into) {
  ++generation_;
  into.insert(into.end(), garbage_.begin(), garbage_.end());
  garbage_.clear();
}

// -- insert -------------------------------------------------------------------

void ordered_index::insert(const record* x) {
  if (root_ == nullptr) {
    root_ = make(true, 1, room_for(1));
    root_->items()[0] = x;
    return;
  }
  node* right = nullptr;
  const record* right_first = nullptr;
  auto* left = insert_into(root_, x, right, right_first);
  if (right == nullptr) {
    root_ = left;
    return;
  }
  root_ = make(false, 2, room_for(2));
  root_->children()[0] = left;
  root_->children()[1] = right;
  root_->separators()[1] = right_first;
}

// Inserts into `n`; returns its replacement. When `n` had to split, the
// replacement is the left half and `right` the right one, which begins with
// `right_first`.
ordered_index::node* ordered_index::insert_into(node* n, const record* x,
                                                node*& right,
                                                const record*& right_first) {
  uint16_t pos = 0;
  const void* entry = x;
  const record* entry_separator = nullptr;
  if (n->leaf) {
    pos = lower_bound(n, x->key());
  } else {
    auto i = child_index(n, x->key());
    node* child_right = nullptr;
    const record* child_right_first = nullptr;
    auto* child
      = insert_into(n->children()[i], x, child_right, child_right_first);
    auto* w = writable(n, n->count);
    w->children()[i] = child;
    if (child_right == nullptr)
      return w;
    n = w;
    pos = static_cast<uint16_t>(i + 1);
    entry = child_right;
    entry_separator = child_right_first;
  }
  // `entry` goes in at `pos`, with its separator if `n` is an inner node.
  if (n->count < max_entries) {
    auto* w = writable(n, static_cast<uint16_t>(n->count + 1));
    auto tail = static_cast<size_t>(w->count - pos);
    auto** slots = reinterpret_cast<const void**>(w->items());
    std::memmove(slots + pos + 1, slots + pos, tail * sizeof(void*));
    slots[pos] = entry;
    if (!w->leaf) {
      auto* seps = w->separators();
      std::memmove(seps + pos + 1, seps + pos, tail * sizeof(void*));
      seps[pos] = entry_separator;
    }
    ++w->count;
    return w;
  }
  // Full: split into two halves, `entry` in the one it belongs to.
  const void* slots[max_entries + 1];
  const record* seps[max_entries + 1];
  auto* old_slots = reinterpret_cast<const void* const*>(n->items());
  std::copy(old_slots, old_slots + pos, slots);
  slots[pos] = entry;
  std::copy(old_slots + pos, old_slots + n->count, slots + pos + 1);
  if (!n->leaf) {
    std::copy(n->separators(), n->separators() + pos, seps);
    seps[pos] = entry_separator;
    std::copy(n->separators() + pos, n->separators() + n->count,
              seps + pos + 1);
  }
  uint16_t total = max_entries + 1;
  // Keys written in order (ascending or descending) would leave every node
  // half empty if split down the middle: past an end, the new entry goes
  // alone and the old node stays full.
  auto half = static_cast<uint16_t>(total / 2);
  if (pos == n->count)
    half = max_entries;
  else if (pos == 0 || (!n->leaf && pos == 1))
    half = 1; // an inner node's first child never gains a sibling before it
  auto rest = static_cast<uint16_t>(total - half);
  auto* left = make(n->leaf, half, room_for(half));
  right = make(n->leaf, rest, room_for(rest));
  auto** left_slots = reinterpret_cast<const void**>(left->items());
  auto** right_slots = reinterpret_cast<const void**>(right->items());
  std::copy(slots, slots + half, left_slots);
  std::copy(slots + half, slots + total, right_slots);
  if (n->leaf) {
    right_first = right->items()[0];
  } else {
    std::copy(seps, seps + half, left->separators());
    std::copy(seps + half, seps + total, right->separators());
    // The separator of the right half's first child routes to the half.
    right_first = seps[half];
  }
  drop(n);
  return left;
}

// -- replace ------------------------------------------------------------------

void ordered_index::replace(const record* x) {
  if (root_ != nullptr)
    root_ = replace_in(root_, x);
}

ordered_index::node* ordered_index::replace_in(node* n, const record* x) {
  auto key = x->key();
  if (n->leaf) {
    auto pos = lower_bound(n, key);
    if (pos == n->count || n->items()[pos]->key() != key)
      return n; // not there: nothing to replace
    auto* w = writable(n, n->count);
    w->items()[pos] = x;
    return w;
  }
  auto i = child_index(n, key);
  auto* child = replace_in(n->children()[i], x);
  auto* w = writable(n, n->count);
  w->children()[i] = child;
  if (i > 0 && w->separators()[i]->key() == key)
    w->separators()[i] = x;
  return w;
}

// -- remove -------------------------------------------------------------------

void ordered_index::remove(std::string_view key) {
  if (root_ == nullptr)
    return;
  bool removed = false;
  root_ = remove_from(root_, key, removed);
  // An inner root with one child hands the root to it.
  while (root_ != nullptr && !root_->leaf && root_->count == 1) {
    auto* only = root_->children()[0];
    drop(root_);
    root_ = only;
  }
}

// Removes `key` below `n`, if there; returns the replacement of `n`, or
// null when it is left empty.
ordered_index::node* ordered_index::remove_from(node* n, std::string_view key,
                                                bool& removed) {
  if (n->leaf) {
    auto pos = lower_bound(n, key);
    if (pos == n->count || n->items()[pos]->key() != key)
      return n;
    removed = true;
    if (n->count == 1) {
      drop(n);
      return nullptr;
    }
    auto* w = writable(n, n->count);
    auto* items = w->items();
    std::memmove(items + pos, items + pos + 1,
                 static_cast<size_t>(w->count - pos - 1) * sizeof(void*));
    --w->count;
    return w;
  }
  auto i = child_index(n, key);
  auto* child = remove_from(n->children()[i], key, removed);
  if (!removed)
    return n;
  if (child == nullptr) {
    if (n->count == 1) {
      drop(n);
      return nullptr;
    }
    auto* w = writable(n, n->count);
    auto tail = static_cast<size_t>(w->count - i - 1);
    std::memmove(w->children() + i, w->children() + i + 1,
                 tail * sizeof(void*));
    std::memmove(w->separators() + i, w->separators() + i + 1,
                 tail * sizeof(void*));
    --w->count;
    return w;
  }
  auto* w = writable(n, n->count);
  w->children()[i] = child;
  // The removed key began this child: its successor does now.
  if (i > 0 && w->separators()[i]->key() == key)
    w->separators()[i] = leftmost(child);
  if (child->leaf && child->count < small_leaf)
    merge_small_leaf(w, i);
  return w;
}

// Joins the leaf at `i` of `parent` (writable) with a neighbour when both
// fit in one leaf with room to spare, so removals do not leave the tree
// full of near-empty leaves.
void ordered_index::merge_small_leaf(node* parent, uint16_t i) {
  if (parent->count < 2)
    return;
  uint16_t lo = i + 1 < parent->count ? i : static_cast<uint16_t>(i - 1);
  auto* a = parent->children()[lo];
  auto* b = parent->children()[lo + 1];
  if (!a->leaf || !b->leaf || a->count + b->count > max_entries * 3 / 4)
    return;
  auto total = static_cast<uint16_t>(a->count + b->count);
  auto* merged = make(true, total, room_for(total));
  std::copy(a->items(), a->items() + a->count, merged->items());
  std::copy(b->items(), b->items() + b->count, merged->items() + a->count);
  drop(a);
  drop(b);
  parent->children()[lo] = merged;
  auto tail = static_cast<size_t>(parent->count - lo - 2);
  std::memmove(parent->children() + lo + 1, parent->children() + lo + 2,
               tail * sizeof(void*));
  std::memmove(parent->separators() + lo + 1, parent->separators() + lo + 2,
               tail * sizeof(void*));
  --parent->count;
}

} // namespace podshare::detail
