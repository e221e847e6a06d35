#pragma once

#include <cstdint>
#include <vector>

namespace podshare {

/// Encoded bytes: a value as its codec wrote it, or a whole wire message.
using bytes = std::vector<uint8_t>;

} // namespace podshare
