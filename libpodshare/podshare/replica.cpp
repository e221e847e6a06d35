#include "podshare/replica.hpp"

namespace podshare {

replica::pinned_view::pinned_view(std::shared_ptr<const replica> owner)
  : owner_(std::move(owner)),
    slot_(detail::epoch_domain::instance().acquire_slot()) {
  detail::epoch_domain::instance().enter(slot_);
  root_ = owner_->published();
}

replica::pinned_view::pinned_view(pinned_view&& other) noexcept
  : owner_(std::move(other.owner_)), slot_(other.slot_), root_(other.root_) {
  other.slot_ = nullptr;
}

replica::pinned_view::~pinned_view() {
  if (slot_ != nullptr)
    detail::epoch_domain::instance().release_slot(slot_);
}

replica::replica(value_layout layout)
  : layout_(layout), trie_(detail::leaf_releaser{release_record, this}) {}

replica::~replica() {
  // Whoever destroys the replica held its last owner: no reader is left.
  for (auto& bag : limbo_)
    for (auto& g : bag.second)
      g.release(g.ptr, g.context);
}

void replica::release_record(void* leaf, void* self) {
  auto* owner = static_cast<replica*>(self);
  auto* x = static_cast<record*>(leaf);
  owner->origins_.release(x->interned_origin());
  record::destroy(x, owner->layout_);
}

void replica::count(const record& x, int delta) {
  auto& counter = x.tombstone() ? tombstones_ : live_;
  counter = static_cast<size_t>(static_cast<long long>(counter) + delta);
}

void replica::put(std::string_view key, const version& v, const void* value,
                  const bytes* raw, value_transfer transfer) {
  auto* origin = origins_.acquire(v.origin, v.incarnation);
  record* x = nullptr;
  const record* old = nullptr;
  try {
    x = record::make(hash(key), key, v.timestamp, origin, v.seq, value, layout_,
                     raw, transfer);
    old = trie_.put(x);
  } catch (...) {
    if (x != nullptr)
      record::destroy(x, layout_);
    origins_.release(origin);
    throw;
  }
  if (old != nullptr)
    count(*old, -1);
  count(*x, +1);
}

bool replica::remove(std::string_view key) {
  auto* old = find(key);
  if (old == nullptr)
    return false;
  count(*old, -1);
  return trie_.remove(hash(key), key);
}

void replica::publish() {
  published_.store(trie_.root(), std::memory_order_seq_cst);
  auto unlinked = trie_.seal();
  auto& domain = detail::epoch_domain::instance();
  if (!unlinked.empty())
    limbo_.emplace_back(domain.current(), std::move(unlinked));
  reclaim();
}

void replica::reclaim() {
  if (limbo_.empty())
    return;
  auto now = detail::epoch_domain::instance().try_advance();
  while (!limbo_.empty() && limbo_.front().first + 2 <= now) {
    auto& bag = limbo_.front().second;
    for (auto& g : bag)
      g.release(g.ptr, g.context);
    trie_.recycle(std::move(bag));
    limbo_.pop_front();
  }
}

} // namespace podshare
