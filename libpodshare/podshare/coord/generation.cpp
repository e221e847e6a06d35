#include "podshare/coord/generation.hpp"

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <random>

namespace podshare::coord {

std::string fresh_generation() {
  std::random_device entropy;
  std::string result;
  result.reserve(32);
  for (int i = 0; i < 4; ++i) {
    char buf[9];
    std::snprintf(buf, sizeof(buf), "%08x", static_cast<uint32_t>(entropy()));
    result += buf;
  }
  return result;
}

const std::string& process_generation() {
  static const std::string generation = fresh_generation();
  return generation;
}

bool is_generation(const std::string& x) {
  return x.size() == 32 && std::all_of(x.begin(), x.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
         });
}

} // namespace podshare::coord
