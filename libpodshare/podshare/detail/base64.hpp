#pragma once

#include "podshare/bytes.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace podshare::detail {

/// Encodes `size` bytes at `data` as standard base64 (RFC 4648 §4) with
/// padding, as Go's `encoding/json` writes a `[]byte`.
std::string base64_encode(const uint8_t* data, size_t size);

/// Encodes `x` as standard base64 with padding.
inline std::string base64_encode(const bytes& x) {
  return base64_encode(x.data(), x.size());
}

/// Decodes standard base64 strictly: the length is a multiple of four, only
/// the standard alphabet, `=` only as the final one or two characters, no
/// whitespace, and the unused bits of the last group are zero.
/// @returns the decoded bytes, or nothing when `text` is not canonical base64.
std::optional<bytes> base64_decode(std::string_view text);

} // namespace podshare::detail
