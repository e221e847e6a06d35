#pragma once

#include "podshare/detail/counters.hpp"
#include "podshare/key_range.hpp"
#include "podshare/observer.hpp"
#include "podshare/replica.hpp"

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace podshare {

/// One published state of a store of `T` values: every read through the
/// view sees the same batch, the map by key and in order, the revision and
/// each observer's derived state alike. A view pins what it reads on the
/// calling thread, delaying the freeing of what the store replaces
/// meanwhile: keep it short-lived, and on the thread that made it.
template <class T>
class store_view {
public:
  store_view(const replica& map, detail::counters& counters)
    : map_(&map), view_(map), counters_(&counters) {}

  /// The live value of `key`, or nothing.
  std::optional<T> get(std::string_view key) const {
    counters_->reads.add();
    auto* x = view_.find(key);
    if (x == nullptr || x->tombstone())
      return std::nullopt;
    return x->template value_as<T>();
  }

  /// Calls `f(std::string_view key, const T& value)` for each live entry
  /// with `from <= key < to` (no upper bound when `to` is empty), in key
  /// order, without copying.
  template <class F>
  void for_range(std::string_view from, std::string_view to, F&& f) const {
    view_.for_range(from, to, [&](const record& x) {
      if (!x.tombstone())
        f(x.key(), x.template value_as<T>());
      return true;
    });
  }

  /// The live entries with `from <= key < to` (no upper bound when `to` is
  /// empty), in key order.
  std::vector<std::pair<std::string, T>> range(std::string_view from,
                                               std::string_view to) const {
    std::vector<std::pair<std::string, T>> result;
    for_range(from, to, [&](std::string_view key, const T& value) {
      result.emplace_back(key, value);
    });
    return result;
  }

  /// The live entries whose keys start with `prefix`, in key order.
  std::vector<std::pair<std::string, T>> prefix(std::string_view p) const {
    return range(p, prefix_end(p));
  }

  /// The live keys with `from <= key < to` (every key by default), in key
  /// order.
  std::vector<std::string> keys(std::string_view from = {},
                                std::string_view to = {}) const {
    std::vector<std::string> result;
    view_.for_range(from, to, [&](const record& x) {
      if (!x.tombstone())
        result.emplace_back(x.key());
      return true;
    });
    return result;
  }

  /// The store revision this state reflects: its `revision()` when the
  /// batch was published.
  uint64_t revision() const noexcept { return view_.revision(); }

  /// The state `o` derived from exactly this map.
  /// @throws std::invalid_argument if `o` observes another store, or
  ///         started after this view was taken.
  template <class D>
  const D& derived(const observer<D>& o) const {
    if (o.owner() != map_)
      throw std::invalid_argument("podshare: observer of another store");
    auto* state = view_.derived(o.id());
    if (state == nullptr)
      throw std::invalid_argument(
        "podshare: observer started after this view was taken");
    return *static_cast<const D*>(state);
  }

private:
  const replica* map_;
  replica::view view_;
  detail::counters* counters_;
};

} // namespace podshare
