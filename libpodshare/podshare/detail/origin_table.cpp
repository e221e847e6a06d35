#include "podshare/detail/origin_table.hpp"

namespace podshare::detail {

const interned_origin* origin_table::acquire(std::string_view name,
                                             uint64_t incarnation) {
  if (last_ == nullptr || last_->name != name
      || last_->incarnation != incarnation) {
    auto i = table_.find(key{name, incarnation});
    if (i == table_.end()) {
      auto fresh = std::make_unique<interned_origin>();
      fresh->name.assign(name.data(), name.size());
      fresh->incarnation = incarnation;
      key k{fresh->name, incarnation};
      i = table_.emplace(k, std::move(fresh)).first;
    }
    last_ = i->second.get();
  }
  ++last_->refs;
  return last_;
}

void origin_table::release(const interned_origin* origin) {
  auto* x = const_cast<interned_origin*>(origin);
  if (--x->refs > 0)
    return;
  if (last_ == x)
    last_ = nullptr;
  // Erase by iterator: the key views the name that erasing frees.
  table_.erase(table_.find(key{x->name, x->incarnation}));
}

} // namespace podshare::detail
