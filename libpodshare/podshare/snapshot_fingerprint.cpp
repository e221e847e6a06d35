#include "podshare/snapshot_fingerprint.hpp"

#include <functional>
#include <string_view>

namespace podshare {

uint64_t snapshot_fingerprint(const uint8_t* data, size_t size) {
  std::string_view text{reinterpret_cast<const char*>(data), size};
  return std::hash<std::string_view>{}(text);
}

} // namespace podshare
