#include "podshare/replica.hpp"

namespace podshare {

replica::pinned_view::pinned_view(std::shared_ptr<const replica> owner)
  : owner_(std::move(owner)),
    slot_(detail::epoch_domain::instance().acquire_slot()) {
  detail::epoch_domain::instance().enter(slot_);
  state_ = owner_->published();
}

replica::pinned_view::pinned_view(pinned_view&& other) noexcept
  : owner_(std::move(other.owner_)), slot_(other.slot_), state_(other.state_) {
  other.slot_ = nullptr;
}

replica::pinned_view::~pinned_view() {
  if (slot_ != nullptr)
    detail::epoch_domain::instance().release_slot(slot_);
}

namespace {

void delete_state(void* ptr, void*) {
  delete static_cast<replica::state*>(ptr);
}

} // namespace

replica::replica(value_layout layout, bool ordered)
  : layout_(layout),
    trie_(detail::leaf_releaser{release_record, this}, &replica::hash),
    ordered_(ordered), published_(new state{0, nullptr, 0, {}, ordered}) {}

replica::~replica() {
  // Whoever destroys the replica held its last owner: no reader is left.
  for (auto& bag : limbo_)
    for (auto& g : bag.second)
      g.release(g.ptr, g.context);
  delete published();
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
    x = record::make(key, v.timestamp, origin, v.seq, value, layout_, raw,
                     transfer);
    old = trie_.put(hash(key), x);
  } catch (...) {
    if (x != nullptr)
      record::destroy(x, layout_);
    origins_.release(origin);
    throw;
  }
  if (old != nullptr)
    count(*old, -1);
  if (ordered_ && old != nullptr)
    sorted_.replace(x);
  else if (ordered_)
    sorted_.insert(x);
  count(*x, +1);
  stage(old, x);
}

bool replica::remove(std::string_view key) {
  auto* old = find(key);
  if (old == nullptr)
    return false;
  count(*old, -1);
  stage(old, nullptr);
  if (ordered_)
    sorted_.remove(key);
  return trie_.remove(hash(key), key);
}

void replica::stage(const record* before, const record* after) {
  if (observers_.empty())
    return;
  if (before != nullptr && before->tombstone())
    before = nullptr;
  if (after != nullptr && after->tombstone())
    after = nullptr;
  if (before != nullptr || after != nullptr)
    staged_.push_back(
      {(after != nullptr ? after : before)->key(), before, after});
}

size_t replica::add_observer(std::shared_ptr<replica_observer> observer,
                             const std::shared_ptr<const void>& initial) {
  // The new observer starts from the writer's state, staged changes
  // included: fold those into the others first, so no observer sees them
  // twice.
  fold_staged();
  std::vector<replica_change> everything;
  everything.reserve(live_);
  detail::hamt::for_each(trie_.root(), [&](const record& x) {
    if (!x.tombstone())
      everything.push_back({x.key(), nullptr, &x});
  });
  derived_.push_back(observer->fold(initial, everything));
  observers_.push_back(std::move(observer));
  return observers_.size() - 1;
}

void replica::fold_staged() {
  if (staged_.empty())
    return;
  // All or none: an observer that throws leaves every state as it was, and
  // the changes staged for the next try.
  auto next = derived_;
  for (size_t i = 0; i < observers_.size(); ++i)
    next[i] = observers_[i]->fold(derived_[i], staged_);
  derived_ = std::move(next);
  staged_.clear();
}

void replica::publish(uint64_t revision) {
  fold_staged();
  revision_ = revision;
  auto* current = published();
  // A batch that changed nothing readers see publishes no new state.
  bool changed
    = current->map != trie_.root() || current->sorted != sorted_.root()
      || current->revision != revision || current->derived != derived_;
  if (changed)
    published_.store(
      new state{trie_.root(), sorted_.root(), revision, derived_, ordered_},
      std::memory_order_seq_cst);
  auto unlinked = trie_.seal();
  sorted_.seal(unlinked);
  if (changed)
    unlinked.push_back({const_cast<state*>(current), delete_state, nullptr});
  if (!unlinked.empty())
    limbo_.emplace_back(detail::epoch_domain::instance().current(),
                        std::move(unlinked));
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
