#pragma once

#include "podshare/bytes.hpp"
#include "podshare/detail/wire_json.hpp"
#include "podshare/detail/wire_msgpack.hpp"
#include "podshare/error.hpp"
#include "podshare/value_ops.hpp"

#include <caf/error.hpp>
#include <caf/expected.hpp>

#include <msgpack.hpp>
#include <nlohmann/json.hpp>

#include <cstddef>
#include <cstdint>
#include <exception>
#include <functional>
#include <memory>
#include <string>
#include <type_traits>
#include <utility>

/// Value codecs: how a store turns its value type `T` into the bytes that
/// travel inside the wire envelope, and back. A codec is a type with
///
///     static caf::expected<bytes> encode(const T&);
///     static caf::expected<T> decode(const uint8_t* data, size_t size);
///
/// and optionally
///
///     static caf::error encode_into(const T&, bytes& out);
///
/// which replaces what `out` holds and keeps its memory, so that a store
/// encoding value after value into one buffer does not allocate for each.
///
/// None of them throws: whatever the user's conversions throw becomes
/// `ec::encode_failed` or `ec::decode_failed`.
namespace podshare {

namespace detail {

/// Runs `f`, turning any exception into an error with `code`.
template <class F>
auto codec_guard(ec code, F&& f) -> decltype(f()) {
  try {
    return f();
  } catch (const std::exception& ex) {
    return caf::make_error(code, std::string{ex.what()}.substr(0, 160));
  } catch (...) {
    return caf::make_error(code, "unknown exception");
  }
}

/// Whether `Codec` has `encode_into(const T&, bytes&)`.
template <class Codec, class T, class = void>
struct encodes_in_place : std::false_type {};

template <class Codec, class T>
struct encodes_in_place<Codec, T,
                        std::void_t<decltype(Codec::encode_into(
                          std::declval<const T&>(), std::declval<bytes&>()))>>
  : std::true_type {};

/// Finds an object key in `in` that neither `a` nor `b` (the same position in
/// two reference documents, either may be null) has. Stores its path in
/// `path` and returns true when it finds one.
inline bool find_unknown_key(const nlohmann::json& in, const nlohmann::json* a,
                             const nlohmann::json* b, std::string& path) {
  // `parse_json` bounds the nesting, so the recursion is bounded too.
  auto child = [](const nlohmann::json* x, auto&& sel) {
    return x == nullptr ? nullptr : sel(*x);
  };
  if (in.is_object()) {
    for (auto it = in.begin(); it != in.end(); ++it) {
      // Not a structured binding: clang 14 cannot capture one.
      const auto& key = it.key();
      const auto& value = it.value();
      auto sel = [&key](const nlohmann::json& x) -> const nlohmann::json* {
        auto i = x.is_object() ? x.find(key) : x.end();
        return i == x.end() ? nullptr : &*i;
      };
      auto ak = child(a, sel);
      auto bk = child(b, sel);
      if ((ak == nullptr && bk == nullptr)
          || find_unknown_key(value, ak, bk, path)) {
        path.insert(0, "/" + key);
        return true;
      }
    }
  } else if (in.is_array()) {
    for (size_t i = 0; i < in.size(); ++i) {
      auto sel = [i](const nlohmann::json& x) -> const nlohmann::json* {
        return x.is_array() && i < x.size() ? &x[i] : nullptr;
      };
      if (find_unknown_key(in[i], child(a, sel), child(b, sel), path)) {
        path.insert(0, "/" + std::to_string(i));
        return true;
      }
    }
  }
  return false;
}

} // namespace detail

/// Encodes values with msgpack-cxx: `T` needs its adaptors (strings,
/// integers, containers and `MSGPACK_DEFINE` structs have them). The default
/// codec of a store.
template <class T>
struct msgpack_codec {
  /// Packs `x`.
  static caf::expected<bytes> encode(const T& x) {
    bytes buf;
    if (auto err = encode_into(x, buf))
      return err;
    return buf;
  }

  /// Packs `x` into `out`, replacing what it held and keeping its memory.
  static caf::error encode_into(const T& x, bytes& out) {
    return detail::codec_guard(ec::encode_failed, [&]() -> caf::error {
      out.clear();
      detail::pack_into(out, [&](auto& pk) { pk.pack(x); });
      return caf::none;
    });
  }

  /// Unpacks exactly one object spanning the input and converts it to `T`;
  /// rejects objects of another type and trailing bytes.
  /// @pre `T` is default-constructible.
  static caf::expected<T> decode(const uint8_t* data, size_t size) {
    return detail::codec_guard(ec::decode_failed, [&]() -> caf::expected<T> {
      // Strings and binaries point into `data`; the objects around them take
      // about as many bytes again.
      detail::zone_lease zone{2 * size + 256};
      msgpack::object obj;
      if (auto err = detail::unpack_whole(data, size, zone.get(), obj))
        return err;
      T result;
      obj.convert(result);
      return result;
    });
  }
};

/// Encodes values as JSON text with nlohmann-json's `to_json` / `from_json`
/// (found by ADL, next to `T`). Permissive: accepts whatever `from_json`
/// accepts, so unknown fields pass silently.
template <class T>
struct json_codec {
  /// Serializes `x`; invalid UTF-8 in a string is an `encode_failed`.
  static caf::expected<bytes> encode(const T& x) {
    return detail::codec_guard(ec::encode_failed,
                               [&]() -> caf::expected<bytes> {
                                 auto text = nlohmann::json(x).dump();
                                 return bytes(text.begin(), text.end());
                               });
  }

  /// Parses one JSON document and converts it with `from_json`.
  static caf::expected<T> decode(const uint8_t* data, size_t size) {
    return detail::codec_guard(ec::decode_failed, [&]() -> caf::expected<T> {
      nlohmann::json doc;
      if (auto err = detail::parse_json(data, size, doc))
        return err;
      return doc.get<T>();
    });
  }
};

/// Like `json_codec`, but rejects an object key, at any depth, that neither
/// the decoded value nor a default-constructed `T` writes back under
/// `to_json`: this is how schema drift between peers surfaces (spec §9).
/// Missing fields pass if `from_json` accepts them.
template <class T>
struct strict_json_codec {
  /// Serializes `x`, as `json_codec` does.
  static caf::expected<bytes> encode(const T& x) {
    return json_codec<T>::encode(x);
  }

  /// Parses, converts, and checks every input key against the round trip.
  /// @pre `T` is default-constructible.
  static caf::expected<T> decode(const uint8_t* data, size_t size) {
    return detail::codec_guard(ec::decode_failed, [&]() -> caf::expected<T> {
      nlohmann::json doc;
      if (auto err = detail::parse_json(data, size, doc))
        return err;
      auto result = doc.get<T>();
      nlohmann::json decoded = result;
      nlohmann::json defaults = T{};
      std::string path;
      if (detail::find_unknown_key(doc, &decoded, &defaults, path))
        return caf::make_error(ec::decode_failed,
                               "unknown field " + path.substr(0, 160));
      return result;
    });
  }
};

/// Builds the type-erased operations a store needs for values of type `T`.
/// Decoded values are `std::shared_ptr<const T>`, held as `erased_value`.
/// @param merger joins the current live value with an incoming one (spec §3);
///        empty for plain last-write-wins. It must not throw.
/// @returns operations whose `merge` is empty when `merger` is.
template <class T, class Codec = msgpack_codec<T>>
value_ops make_value_ops(std::function<T(const T&, const T&)> merger = {}) {
  value_ops result;
  result.layout = layout_of<T>();
  result.encode_into = [](const void* value, bytes& out) -> caf::error {
    const auto& x = *static_cast<const T*>(value);
    if constexpr (detail::encodes_in_place<Codec, T>::value) {
      return Codec::encode_into(x, out);
    } else {
      auto encoded = Codec::encode(x);
      if (!encoded)
        return std::move(encoded.error());
      out = std::move(*encoded);
      return caf::none;
    }
  };
  result.decode
    = [](const uint8_t* data, size_t size) -> caf::expected<erased_value> {
    auto decoded = Codec::decode(data, size);
    if (!decoded)
      return std::move(decoded.error());
    return make_erased<T>(std::move(*decoded));
  };
  if (merger) {
    result.merge = [merger = std::move(merger)](const void* current,
                                                const void* incoming) {
      return make_erased<T>(merger(*static_cast<const T*>(current),
                                   *static_cast<const T*>(incoming)));
    };
  }
  return result;
}

} // namespace podshare
