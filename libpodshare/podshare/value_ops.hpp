#pragma once

#include "podshare/bytes.hpp"

#include <caf/expected.hpp>

#include <functional>
#include <memory>

namespace podshare {

/// A decoded value of the store's value type, type-erased so that the store
/// actor is compiled once for every value type.
using erased_value = std::shared_ptr<const void>;

/// What the store needs to know about its value type: how to encode, decode
/// and (optionally) merge values. `make_value_ops<T>` builds one from a
/// codec; the store actor never sees `T`.
struct value_ops {
  /// Encodes a value (pointing to a `T`).
  std::function<caf::expected<bytes>(const void* value)> encode;
  /// Decodes bytes into a `T`; rejects what the codec rejects.
  std::function<caf::expected<erased_value>(const uint8_t* data, size_t size)>
    decode;
  /// Joins the current live value with an incoming one; empty when the store
  /// has no merger (last-write-wins replaces the value).
  std::function<erased_value(const void* current, const void* incoming)> merge;
};

} // namespace podshare
