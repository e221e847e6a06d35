#include "podshare/detail/origin_table.hpp"

namespace podshare::detail {

const interned_origin* origin_table::acquire(std::string_view name) {
  if (last_ == nullptr || last_->name != name) {
    auto i = table_.find(name);
    if (i == table_.end()) {
      auto fresh = std::make_unique<interned_origin>();
      fresh->name.assign(name.data(), name.size());
      std::string_view key = fresh->name;
      i = table_.emplace(key, std::move(fresh)).first;
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
  table_.erase(table_.find(std::string_view{x->name}));
}

} // namespace podshare::detail
