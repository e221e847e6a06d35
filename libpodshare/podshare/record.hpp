#pragma once

#include "podshare/bytes.hpp"
#include "podshare/detail/origin_table.hpp"
#include "podshare/value_ops.hpp"
#include "podshare/version.hpp"

#include <cstddef>
#include <cstdint>
#include <cstring>
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
/// follow the 24-byte header; a live entry's decoded value follows the key,
/// constructed in place. The writer's node id is interned, so an entry
/// holds a pointer to it rather than a copy.
///
/// The header is 24 bytes, not 32, because one word packs the origin
/// pointer with the key's size and three flags: with 16-byte keys and a
/// 32-byte value that is the step from malloc's 96-byte chunk to its 80-byte
/// one, 16 bytes an entry (docs/architecture.md, "Decisions").
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
  /// @pre `key` and `raw` are shorter than 4 GiB; `layout.align` is at most
  ///      16 (what `operator new` gives); to move, `value` points to an
  ///      object that is not const.
  static record* make(std::string_view key, int64_t timestamp,
                      const detail::interned_origin* origin, uint64_t seq,
                      const void* value, const value_layout& layout,
                      const bytes* raw = nullptr,
                      value_transfer transfer = value_transfer::copy);

  /// Destroys a record that `make` built with the same layout.
  static void destroy(record* x, const value_layout& layout) noexcept;

  std::string_view key() const noexcept {
    auto* at = reinterpret_cast<const char*>(this + 1);
    auto size = word_ >> key_size_shift;
    if (__builtin_expect(size != long_key, 1))
      return {at, size};
    return {at + sizeof(uint32_t), long_key_size()};
  }

  /// Whether the key is deleted.
  bool tombstone() const noexcept { return (word_ & live_flag) == 0; }

  /// The decoded value; null for tombstones.
  const void* value() const noexcept {
    if (tombstone())
      return nullptr;
    // 7 or 15: the value starts at the key's end rounded up to 8 or 16
    // (`this` is 16-byte aligned, as `operator new` gives).
    auto mask = 7 | ((word_ & align16_flag) << 1);
    auto* self = reinterpret_cast<const char*>(this);
    auto k = key();
    auto key_end = static_cast<size_t>(k.data() + k.size() - self);
    return self + ((key_end + mask) & ~mask);
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
  std::string_view origin() const noexcept { return interned_origin()->name; }

  const detail::interned_origin* interned_origin() const noexcept {
    return reinterpret_cast<const detail::interned_origin*>(word_
                                                            & pointer_mask);
  }

  /// The writer's incarnation (version::incarnation).
  uint64_t incarnation() const noexcept {
    return interned_origin()->incarnation;
  }

  /// The version as a value (copies the origin).
  podshare::version version() const {
    return {timestamp_, std::string{origin()}, seq_, incarnation()};
  }

  /// Compares this record's version with `x` in last-write-wins order
  /// (spec §3): negative, zero or positive, without copying anything.
  int compare_version(const podshare::version& x) const noexcept;

private:
  record() = default;

  uint32_t long_key_size() const noexcept {
    uint32_t size = 0;
    std::memcpy(&size, this + 1, sizeof(size));
    return size;
  }

  // `word_`: the key's size in the top 16 bits (`long_key`: a 4-byte size
  // precedes the key instead), the origin pointer in the 48 below (user
  // space addresses on x86-64 and AArch64; `make` checks), and flags in the
  // pointer's three low bits (an interned origin is 8-byte aligned).
  static constexpr int key_size_shift = 48;
  static constexpr uint64_t long_key = 0xffff;
  static constexpr uint64_t live_flag = 1;
  /// Raw bytes follow the value.
  static constexpr uint64_t raw_flag = 2;
  /// The value is 16-byte aligned (8 otherwise).
  static constexpr uint64_t align16_flag = 4;
  static constexpr uint64_t flag_bits = 7;
  static constexpr uint64_t pointer_mask
    = ((uint64_t{1} << key_size_shift) - 1) & ~flag_bits;

  int64_t timestamp_ = 0;
  uint64_t seq_ = 0;
  uint64_t word_ = 0;
};

static_assert(sizeof(record) == 24);
// `value()` rounds offsets from `this` up to 16.
static_assert(__STDCPP_DEFAULT_NEW_ALIGNMENT__ >= 16);

} // namespace podshare
