#pragma once

#include <string>
#include <string_view>

namespace podshare {

/// The first key after every key that starts with `prefix`, as the upper
/// bound of a half-open range; empty (no bound) when no such key exists
/// (an empty prefix, or one of only 0xff bytes).
inline std::string prefix_end(std::string_view prefix) {
  std::string end{prefix};
  while (!end.empty()) {
    auto last = static_cast<unsigned char>(end.back());
    if (last != 0xff) {
      end.back() = static_cast<char>(last + 1);
      return end;
    }
    end.pop_back();
  }
  return end;
}

/// Whether `key` lies in the half-open range [from, to); an empty `to` is
/// no upper bound.
inline bool in_range(std::string_view key, std::string_view from,
                     std::string_view to) {
  return key >= from && (to.empty() || key < to);
}

} // namespace podshare
