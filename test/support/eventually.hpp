#pragma once

// Waiting for replication that crosses threads or sockets: tests poll a
// condition with a generous deadline and assert the condition, never a
// duration.

#include <chrono>
#include <thread>

namespace podshare::testing {

/// Polls `ready` until it holds or `limit` passes; returns `ready()`.
template <class Predicate>
bool eventually(Predicate ready,
                std::chrono::milliseconds limit = std::chrono::seconds{20}) {
  auto deadline = std::chrono::steady_clock::now() + limit;
  while (!ready()) {
    if (std::chrono::steady_clock::now() > deadline)
      return ready();
    std::this_thread::sleep_for(std::chrono::milliseconds{2});
  }
  return true;
}

} // namespace podshare::testing
