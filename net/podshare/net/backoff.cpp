#include "podshare/net/backoff.hpp"

#include <algorithm>

namespace podshare::net {

caf::timespan backoff_delay(uint32_t attempt, caf::timespan min,
                            caf::timespan max, double jitter) {
  auto delay = min;
  for (uint32_t i = 0; i < attempt && delay < max; ++i)
    delay *= 2;
  delay = std::min(delay, max);
  jitter = std::clamp(jitter, 0.0, 1.0);
  auto half = delay / 2;
  return half
         + caf::timespan{static_cast<int64_t>(
           static_cast<double>((delay - half).count()) * jitter)};
}

} // namespace podshare::net
