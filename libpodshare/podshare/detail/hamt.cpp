#include "podshare/detail/hamt.hpp"

#include <cstring>
#include <new>

namespace podshare::detail {

namespace {

constexpr unsigned bits_per_level = 5;
constexpr unsigned hash_bits = 64;

node_ref tag_leaf(record* leaf) {
  return reinterpret_cast<node_ref>(leaf) | 1;
}

unsigned index_at(uint64_t hash, unsigned shift) {
  return static_cast<unsigned>((hash >> shift) & 31u);
}

// Counts set bits without a call into libgcc, which is what
// __builtin_popcount becomes without -mpopcnt.
unsigned popcount(uint32_t x) {
  x = x - ((x >> 1) & 0x55555555u);
  x = (x & 0x33333333u) + ((x >> 2) & 0x33333333u);
  x = (x + (x >> 4)) & 0x0F0F0F0Fu;
  return (x * 0x01010101u) >> 24;
}

unsigned position(uint32_t bitmap, uint32_t bit) {
  return popcount(bitmap & (bit - 1));
}

void delete_inner(void* ptr, void*) {
  ::operator delete(ptr);
}

} // namespace

hamt::~hamt() {
  free_tree(root_);
  for (auto& g : garbage_)
    g.release(g.ptr, g.context);
}

const record* hamt::find(node_ref node, uint64_t hash, std::string_view key) {
  unsigned shift = 0;
  while (node != 0) {
    if (is_leaf(node)) {
      auto* leaf = as_leaf(node);
      return leaf->key() == key ? leaf : nullptr;
    }
    auto* in = reinterpret_cast<const inner*>(node);
    if (in->collision != 0) {
      for (uint16_t i = 0; i < in->count; ++i) {
        auto* leaf = as_leaf(children(in)[i]);
        if (leaf->key() == key)
          return leaf;
      }
      return nullptr;
    }
    auto bit = uint32_t{1} << index_at(hash, shift);
    if ((in->bitmap & bit) == 0)
      return nullptr;
    node = children(in)[position(in->bitmap, bit)];
    shift += bits_per_level;
  }
  return nullptr;
}

void hamt::prefetch(node_ref root, const std::vector<uint64_t>& hashes,
                    std::vector<node_ref>& cursors) {
  cursors.assign(hashes.size(), root);
  for (unsigned shift = 0; shift < hash_bits; shift += bits_per_level) {
    bool deeper = false;
    for (size_t i = 0; i < hashes.size(); ++i) {
      auto node = cursors[i];
      if (node == 0 || is_leaf(node))
        continue;
      // Asked for in the previous round: in the cache by now.
      auto* in = reinterpret_cast<const inner*>(node);
      auto bit = uint32_t{1} << index_at(hashes[i], shift);
      if ((in->bitmap & bit) == 0) {
        cursors[i] = 0;
        continue;
      }
      auto child = children(in)[position(in->bitmap, bit)];
      __builtin_prefetch(reinterpret_cast<const void*>(child & ~node_ref{1}));
      cursors[i] = child;
      deeper = true;
    }
    if (!deeper)
      return;
  }
}

const record* hamt::put(uint64_t hash, record* leaf) {
  const record* replaced = nullptr;
  root_ = assoc(root_, 0, hash, leaf, replaced);
  return replaced;
}

bool hamt::remove(uint64_t hash, std::string_view key) {
  bool removed = false;
  root_ = dissoc(root_, 0, hash, key, removed);
  return removed;
}

std::vector<garbage> hamt::seal() {
  ++generation_;
  std::vector<garbage> result;
  result.swap(garbage_);
  return result;
}

void hamt::recycle(std::vector<garbage>&& spent) {
  if (!garbage_.empty() || spent.capacity() <= garbage_.capacity()
      || spent.capacity() > max_recycled)
    return;
  spent.clear();
  garbage_ = std::move(spent);
}

void hamt::free_tree(node_ref node) {
  if (node == 0)
    return;
  if (is_leaf(node)) {
    releaser_.release(const_cast<record*>(as_leaf(node)), releaser_.context);
    return;
  }
  auto* in = reinterpret_cast<inner*>(node);
  for (uint16_t i = 0; i < in->count; ++i)
    free_tree(children(in)[i]);
  ::operator delete(in);
}

hamt::inner* hamt::make_inner(uint32_t bitmap, uint16_t count, bool collision) {
  auto* mem = ::operator new(sizeof(inner) + count * sizeof(node_ref));
  auto* in = new (mem)
    inner{generation_, bitmap, count, static_cast<uint16_t>(collision ? 1 : 0)};
  return in;
}

void hamt::drop(inner* node) {
  // A node of this generation was never published: no reader can hold it.
  if (node->generation == generation_)
    ::operator delete(node);
  else
    garbage_.push_back({node, delete_inner, nullptr});
}

void hamt::drop_leaf(const record* leaf) {
  garbage_.push_back(
    {const_cast<record*>(leaf), releaser_.release, releaser_.context});
}

node_ref hamt::join(node_ref existing, uint64_t existing_hash, uint64_t hash,
                    record* leaf, unsigned shift) {
  if (shift >= hash_bits) {
    auto* in = make_inner(0, 2, true);
    auto* kids = const_cast<node_ref*>(children(in));
    kids[0] = existing;
    kids[1] = tag_leaf(leaf);
    return reinterpret_cast<node_ref>(in);
  }
  auto old_index = index_at(existing_hash, shift);
  auto new_index = index_at(hash, shift);
  if (old_index == new_index) {
    auto* in = make_inner(uint32_t{1} << old_index, 1, false);
    const_cast<node_ref*>(children(in))[0]
      = join(existing, existing_hash, hash, leaf, shift + bits_per_level);
    return reinterpret_cast<node_ref>(in);
  }
  auto* in = make_inner((uint32_t{1} << old_index) | (uint32_t{1} << new_index),
                        2, false);
  auto* kids = const_cast<node_ref*>(children(in));
  bool old_first = old_index < new_index;
  kids[old_first ? 0 : 1] = existing;
  kids[old_first ? 1 : 0] = tag_leaf(leaf);
  return reinterpret_cast<node_ref>(in);
}

node_ref hamt::assoc(node_ref node, unsigned shift, uint64_t hash, record* leaf,
                     const record*& replaced) {
  if (node == 0)
    return tag_leaf(leaf);
  if (is_leaf(node)) {
    auto* old = as_leaf(node);
    if (old->key() == leaf->key()) {
      replaced = old;
      drop_leaf(old);
      return tag_leaf(leaf);
    }
    return join(node, hash_(old->key()), hash, leaf, shift);
  }
  auto* in = reinterpret_cast<inner*>(node);
  auto* kids = const_cast<node_ref*>(children(in));
  unsigned pos = 0;
  bool present = false;
  uint32_t bit = 0;
  if (in->collision != 0) {
    for (; pos < in->count; ++pos)
      if (as_leaf(kids[pos])->key() == leaf->key()) {
        present = true;
        break;
      }
  } else {
    bit = uint32_t{1} << index_at(hash, shift);
    pos = position(in->bitmap, bit);
    present = (in->bitmap & bit) != 0;
  }
  if (present) {
    node_ref child = 0;
    if (in->collision != 0) {
      replaced = as_leaf(kids[pos]);
      drop_leaf(replaced);
      child = tag_leaf(leaf);
    } else {
      child = assoc(kids[pos], shift + bits_per_level, hash, leaf, replaced);
    }
    if (in->generation == generation_) {
      kids[pos] = child;
      return node;
    }
    auto* copy = make_inner(in->bitmap, in->count, in->collision != 0);
    auto* copy_kids = const_cast<node_ref*>(children(copy));
    std::memcpy(copy_kids, kids, in->count * sizeof(node_ref));
    copy_kids[pos] = child;
    drop(in);
    return reinterpret_cast<node_ref>(copy);
  }
  auto* grown = make_inner(
    in->bitmap | bit, static_cast<uint16_t>(in->count + 1), in->collision != 0);
  auto* grown_kids = const_cast<node_ref*>(children(grown));
  std::memcpy(grown_kids, kids, pos * sizeof(node_ref));
  grown_kids[pos] = tag_leaf(leaf);
  std::memcpy(grown_kids + pos + 1, kids + pos,
              (in->count - pos) * sizeof(node_ref));
  drop(in);
  return reinterpret_cast<node_ref>(grown);
}

node_ref hamt::dissoc(node_ref node, unsigned shift, uint64_t hash,
                      std::string_view key, bool& removed) {
  if (node == 0)
    return 0;
  if (is_leaf(node)) {
    auto* leaf = as_leaf(node);
    if (leaf->key() != key)
      return node;
    removed = true;
    drop_leaf(leaf);
    return 0;
  }
  auto* in = reinterpret_cast<inner*>(node);
  auto* kids = children(in);
  unsigned pos = 0;
  uint32_t bit = 0;
  node_ref child = 0;
  if (in->collision != 0) {
    for (; pos < in->count; ++pos)
      if (as_leaf(kids[pos])->key() == key)
        break;
    if (pos == in->count)
      return node;
    removed = true;
    drop_leaf(as_leaf(kids[pos]));
  } else {
    bit = uint32_t{1} << index_at(hash, shift);
    if ((in->bitmap & bit) == 0)
      return node;
    pos = position(in->bitmap, bit);
    child = dissoc(kids[pos], shift + bits_per_level, hash, key, removed);
    if (!removed)
      return node;
    if (child != 0) {
      // A lone leaf below this node may stand here instead.
      if (in->count == 1 && is_leaf(child)) {
        drop(in);
        return child;
      }
      if (in->generation == generation_) {
        const_cast<node_ref*>(kids)[pos] = child;
        return node;
      }
      auto* copy = make_inner(in->bitmap, in->count, false);
      auto* copy_kids = const_cast<node_ref*>(children(copy));
      std::memcpy(copy_kids, kids, in->count * sizeof(node_ref));
      copy_kids[pos] = child;
      drop(in);
      return reinterpret_cast<node_ref>(copy);
    }
  }
  // The child at `pos` is gone: shrink this node.
  auto count = static_cast<uint16_t>(in->count - 1);
  if (count == 0) {
    drop(in);
    return 0;
  }
  if (count == 1 && is_leaf(kids[pos == 0 ? 1 : 0])) {
    auto survivor = kids[pos == 0 ? 1 : 0];
    drop(in);
    return survivor;
  }
  auto* shrunk = make_inner(in->bitmap & ~bit, count, in->collision != 0);
  auto* shrunk_kids = const_cast<node_ref*>(children(shrunk));
  std::memcpy(shrunk_kids, kids, pos * sizeof(node_ref));
  std::memcpy(shrunk_kids + pos, kids + pos + 1,
              (count - pos) * sizeof(node_ref));
  drop(in);
  return reinterpret_cast<node_ref>(shrunk);
}

} // namespace podshare::detail
