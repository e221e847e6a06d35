#pragma once

#include "podshare/bytes.hpp"

#include <caf/error.hpp>
#include <caf/expected.hpp>

#include <cstddef>
#include <functional>
#include <memory>
#include <new>
#include <utility>

namespace podshare {

/// A decoded value of the store's value type, type-erased so that the store
/// actor is compiled once for every value type. Make it with `make_erased`:
/// the object behind it is not const, so that a store holding the only
/// reference may move the value into its replica instead of copying it.
using erased_value = std::shared_ptr<const void>;

/// An `erased_value` holding a `T` made from `xs`.
template <class T, class... Ts>
erased_value make_erased(Ts&&... xs) {
  return std::make_shared<T>(std::forward<Ts>(xs)...);
}

/// Whether an entry gets a copy of a value or takes it over, leaving the
/// source valid but unspecified.
enum class value_transfer { copy, move };

/// How the replica keeps a value of the store's type inline in an entry, so
/// that a live entry needs no second allocation for its value object.
struct value_layout {
  size_t size = 0;
  size_t align = 1;
  /// Copy-constructs the value at `src` into the storage at `dst`.
  void (*copy_construct)(void* dst, const void* src) = nullptr;
  /// Move-constructs the value at `src` into the storage at `dst`; when
  /// null, values are copied.
  void (*move_construct)(void* dst, void* src) = nullptr;
  /// Destroys the value at `value` in place.
  void (*destroy)(void* value) = nullptr;
};

/// The layout of `T`.
template <class T>
value_layout layout_of() {
  // Records come from plain operator new, 16-byte aligned (record.hpp).
  static_assert(alignof(T) <= 16,
                "podshare keeps values aligned to at most 16 bytes");
  value_layout result;
  result.size = sizeof(T);
  result.align = alignof(T);
  result.copy_construct = [](void* dst, const void* src) {
    new (dst) T(*static_cast<const T*>(src));
  };
  result.move_construct = [](void* dst, void* src) {
    new (dst) T(std::move(*static_cast<T*>(src)));
  };
  result.destroy = [](void* value) { static_cast<T*>(value)->~T(); };
  return result;
}

/// What the store needs to know about its value type: how to encode, decode
/// and (optionally) merge values, and how to keep them. `make_value_ops<T>`
/// builds one from a codec; the store actor never sees `T`.
struct value_ops {
  /// How the replica stores a `T`.
  value_layout layout;
  /// Encodes a value (pointing to a `T`) into `out`, replacing what it
  /// held; a caller that keeps `out` saves an allocation per value when the
  /// codec writes in place.
  std::function<caf::error(const void* value, bytes& out)> encode_into;
  /// Encodes a value into fresh bytes.
  caf::expected<bytes> encode(const void* value) const {
    bytes out;
    if (auto err = encode_into(value, out))
      return err;
    return out;
  }
  /// Decodes bytes into a `T`; rejects what the codec rejects.
  std::function<caf::expected<erased_value>(const uint8_t* data, size_t size)>
    decode;
  /// Joins the current live value with an incoming one; empty when the store
  /// has no merger (last-write-wins replaces the value).
  std::function<erased_value(const void* current, const void* incoming)> merge;
};

} // namespace podshare
