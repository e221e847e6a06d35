#include "podshare/detail/key_order.hpp"

#include <algorithm>

namespace podshare::detail {

namespace {

// After a stable sort, the last of equal keys is the one to keep.
template <class Iterator, class KeyOf>
Iterator keep_last(Iterator first, Iterator last, KeyOf key_of) {
  auto out = first;
  for (auto i = first; i != last; ++i) {
    auto next = std::next(i);
    if (next != last && key_of(*next) == key_of(*i))
      continue;
    if (out != i)
      *out = std::move(*i);
    ++out;
  }
  return out;
}

} // namespace

std::vector<const event*> in_key_order(const std::vector<event>& entries) {
  std::vector<const event*> result;
  result.reserve(entries.size());
  for (auto& x : entries)
    result.push_back(&x);
  auto key_of = [](const event* x) -> const std::string& { return x->key; };
  std::stable_sort(
    result.begin(), result.end(),
    [&](const event* x, const event* y) { return key_of(x) < key_of(y); });
  result.erase(keep_last(result.begin(), result.end(), key_of), result.end());
  return result;
}

void sort_by_key_keep_last(std::vector<event>& entries) {
  auto key_of = [](const event& x) -> const std::string& { return x.key; };
  std::stable_sort(
    entries.begin(), entries.end(),
    [](const event& x, const event& y) { return x.key < y.key; });
  entries.erase(keep_last(entries.begin(), entries.end(), key_of),
                entries.end());
}

} // namespace podshare::detail
