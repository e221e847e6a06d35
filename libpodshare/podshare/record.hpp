#pragma once

#include "podshare/bytes.hpp"
#include "podshare/detail/origin_table.hpp"
#include "podshare/value_ops.hpp"
#include "podshare/version.hpp"

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace podshare {

/// The bytes of an encoded value, owned elsewhere.
struct bytes_view {
  const uint8_t* data = nullptr;
  size_t size = 0;
};

/// One key's state as the replica keeps it: a live value or a tombstone, and
/// the version that put it there, all in one allocation. The key's bytes
/// follow the 32-byte header; a live entry's decoded value follows the key,
/// constructed in place. The writer's node id is interned, so an entry
/// holds a pointer to it rather than a copy.
///
/// A value is kept decoded only, and encoded again when needed, unless its
/// bytes hold more than that would give back (a field this pod's type does
/// not know, written by a newer peer): then the record keeps those bytes
/// too, after the value, so nothing a peer wrote is lost on the way on.
class record {
public:
  record(const record&) = delete;
  record& operator=(const record&) = delete;

  /// Makes a record for `key`, copying `value` (a value of `layout`) in,
  /// or moving it under `value_transfer::move`; a null `value` makes a
  /// tombstone. `raw`, if given, are encoded bytes to keep beside the value.
  /// The record keeps `origin` but does not take a reference to it: the
  /// replica counts references.
  /// @pre `key` and `raw` are shorter than 2 GiB; to move, `value` points
  ///      to an object that is not const.
  static record* make(std::string_view key, int64_t timestamp,
                      const detail::interned_origin* origin, uint64_t seq,
                      const void* value, const value_layout& layout,
                      const bytes* raw = nullptr,
                      value_transfer transfer = value_transfer::copy);

  /// Destroys a record that `make` built with the same layout.
  static void destroy(record* x, const value_layout& layout) noexcept;

  std::string_view key() const noexcept {
    return {reinterpret_cast<const char*>(this + 1), key_size_};
  }

  /// Whether the key is deleted.
  bool tombstone() const noexcept { return value_offset() == 0; }

  /// The decoded value; null for tombstones.
  const void* value() const noexcept {
    return tombstone() ? nullptr
                       : reinterpret_cast<const char*>(this) + value_offset();
  }

  /// The encoded bytes kept beside the value, when re-encoding the value
  /// would not give them back; empty (null data) otherwise.
  /// @pre `layout` is the one the record was made with.
  bytes_view raw_value(const value_layout& layout) const noexcept;

  /// The decoded value as the store's type.
  /// @pre `!tombstone()` and `T` is the store's value type.
  template <class T>
  const T& value_as() const noexcept {
    return *static_cast<const T*>(value());
  }

  int64_t timestamp() const noexcept { return timestamp_; }

  uint64_t seq() const noexcept { return seq_; }

  /// The writer's node id.
  std::string_view origin() const noexcept { return origin_->name; }

  const detail::interned_origin* interned_origin() const noexcept {
    return origin_;
  }

  /// The writer's incarnation (version::incarnation).
  uint64_t incarnation() const noexcept { return origin_->incarnation; }

  /// The version as a value (copies the origin).
  podshare::version version() const {
    return {timestamp_, std::string{origin()}, seq_, incarnation()};
  }

  /// Compares this record's version with `x` in last-write-wins order
  /// (spec §3): negative, zero or positive, without copying anything.
  int compare_version(const podshare::version& x) const noexcept;

private:
  record() = default;

  int64_t timestamp_ = 0;
  uint64_t seq_ = 0;
  const detail::interned_origin* origin_ = nullptr;
  uint32_t value_offset() const noexcept { return value_word_ & ~raw_flag; }

  /// Set in `value_word_` when raw bytes follow the value.
  static constexpr uint32_t raw_flag = 0x80000000u;

  uint32_t key_size_ = 0;
  /// Where the value starts, counted from `this` (0 for tombstones), and
  /// `raw_flag`.
  uint32_t value_word_ = 0;
};

} // namespace podshare
