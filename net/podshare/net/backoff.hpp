#pragma once

#include <caf/timespan.hpp>

#include <cstdint>

namespace podshare::net {

/// The delay before reconnect attempt `attempt` (0 for the first retry):
/// `min * 2^attempt`, capped at `max`, then scaled into [delay/2, delay] by
/// `jitter` in [0, 1] ("equal jitter": retries of many pods spread out, yet
/// none retries sooner than half the nominal delay).
caf::timespan backoff_delay(uint32_t attempt, caf::timespan min,
                            caf::timespan max, double jitter);

} // namespace podshare::net
