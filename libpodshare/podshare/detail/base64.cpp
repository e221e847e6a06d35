#include "podshare/detail/base64.hpp"

#include <array>

namespace podshare::detail {

namespace {

constexpr char alphabet[]
  = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

constexpr uint8_t invalid = 0xFF;

// Maps a character to its 6-bit value, or `invalid`.
constexpr std::array<uint8_t, 256> make_reverse_table() {
  std::array<uint8_t, 256> result{};
  for (auto& x : result)
    x = invalid;
  for (uint8_t i = 0; i < 64; ++i)
    result[static_cast<uint8_t>(alphabet[i])] = i;
  return result;
}

constexpr auto reverse_table = make_reverse_table();

} // namespace

std::string base64_encode(const uint8_t* data, size_t size) {
  std::string result;
  result.reserve((size + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 3 <= size; i += 3) {
    uint32_t group = (uint32_t{data[i]} << 16) | (uint32_t{data[i + 1]} << 8)
                     | uint32_t{data[i + 2]};
    result += alphabet[(group >> 18) & 0x3F];
    result += alphabet[(group >> 12) & 0x3F];
    result += alphabet[(group >> 6) & 0x3F];
    result += alphabet[group & 0x3F];
  }
  if (auto rest = size - i; rest > 0) {
    uint32_t group = uint32_t{data[i]} << 16;
    if (rest == 2)
      group |= uint32_t{data[i + 1]} << 8;
    result += alphabet[(group >> 18) & 0x3F];
    result += alphabet[(group >> 12) & 0x3F];
    result += rest == 2 ? alphabet[(group >> 6) & 0x3F] : '=';
    result += '=';
  }
  return result;
}

std::optional<bytes> base64_decode(std::string_view text) {
  if (text.size() % 4 != 0)
    return std::nullopt;
  size_t padding = 0;
  if (!text.empty() && text.back() == '=')
    padding = text[text.size() - 2] == '=' ? 2 : 1;
  bytes result;
  result.reserve(text.size() / 4 * 3);
  for (size_t i = 0; i < text.size(); i += 4) {
    bool last = i + 4 == text.size();
    // Padding only ever sits in the last group; an `=` anywhere else is
    // rejected by the table lookup below.
    size_t digits = last ? 4 - padding : 4;
    uint32_t group = 0;
    for (size_t j = 0; j < digits; ++j) {
      auto value = reverse_table[static_cast<uint8_t>(text[i + j])];
      if (value == invalid)
        return std::nullopt;
      group |= uint32_t{value} << (18 - 6 * j);
    }
    result.push_back(static_cast<uint8_t>(group >> 16));
    if (digits >= 3)
      result.push_back(static_cast<uint8_t>(group >> 8));
    if (digits == 4)
      result.push_back(static_cast<uint8_t>(group));
    // Non-zero bits below the last full byte would make two encodings decode
    // to the same bytes; strict decoding accepts only the canonical one.
    if ((digits == 2 && (group & 0xFFFF) != 0)
        || (digits == 3 && (group & 0xFF) != 0))
      return std::nullopt;
  }
  return result;
}

} // namespace podshare::detail
