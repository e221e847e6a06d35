#pragma once

// callreply between the benchmark's two processes: the peer answers
// "bench".echo, the main process calls it (docs/callreply.md).

#include "pod.hpp"

#include "podshare/callreply/endpoint.hpp"

#include <cstdint>
#include <vector>

namespace podshare::bench {

/// Opens the endpoint "peer" on `p` and answers "bench".echo with the
/// arguments; aborts on failure.
callreply::endpoint answer_calls(pod& p);

/// What `measure_calls` found.
struct call_figures {
  /// One call at a time: each round trip, in ns.
  std::vector<int64_t> round_trips;
  /// Calls per second with `callers` threads calling at once.
  double per_second = 0;
  int callers = 0;
};

/// Calls the peer's "bench".echo (64-byte arguments) from an endpoint of
/// `p`: `rounds` calls one at a time, then `rounds / 2` from each of 8
/// threads at once.
call_figures measure_calls(pod& p, int rounds);

} // namespace podshare::bench
