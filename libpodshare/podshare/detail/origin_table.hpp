#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>

namespace podshare::detail {

/// One writer's node id and incarnation, shared by every entry of a replica
/// that it wrote.
struct interned_origin {
  std::string name;
  uint64_t incarnation = 0;
  size_t refs = 0;
};

/// The node ids a replica's entries carry, each kept once: an entry points
/// at its origin instead of holding a 24-byte copy. Only the replica's writer
/// touches the table; readers only read names that a live entry points at.
class origin_table {
public:
  origin_table() = default;
  origin_table(const origin_table&) = delete;
  origin_table& operator=(const origin_table&) = delete;

  /// Returns the interned `name` of `incarnation`, with one more reference.
  const interned_origin* acquire(std::string_view name, uint64_t incarnation);

  /// Drops a reference taken by `acquire`; the last one frees the name.
  void release(const interned_origin* origin);

  /// How many distinct origins are held.
  size_t size() const noexcept { return table_.size(); }

private:
  using key = std::pair<std::string_view, uint64_t>;

  struct key_hash {
    size_t operator()(const key& x) const noexcept {
      return std::hash<std::string_view>{}(x.first)
             ^ (x.second * 0x9e3779b97f4a7c15ull);
    }
  };

  // Keys view the names they map to.
  std::unordered_map<key, std::unique_ptr<interned_origin>, key_hash> table_;
  // The last origin acquired: a store's own writes all carry the same one.
  interned_origin* last_ = nullptr;
};

} // namespace podshare::detail
