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

replica::~replica() {
  // Whoever destroys the replica held its last owner: no reader is left.
  for (auto& bag : limbo_)
    for (auto& g : bag.second)
      g.release(g.ptr);
}

void replica::count(const entry& x, int delta) {
  auto& counter = x.tombstone ? tombstones_ : live_;
  counter = static_cast<size_t>(static_cast<long long>(counter) + delta);
}

void replica::put(entry x) {
  if (auto* old = find(x.key))
    count(*old, -1);
  count(x, +1);
  auto h = hash(x.key);
  trie_.put(new detail::entry_node{h, std::move(x)});
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
    for (auto& g : limbo_.front().second)
      g.release(g.ptr);
    limbo_.pop_front();
  }
}

} // namespace podshare
