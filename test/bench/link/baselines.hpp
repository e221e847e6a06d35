#pragma once

// The raw baselines of the link benchmark: what two processes on this
// machine get without podshare.

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

namespace podshare::bench {

/// Nanoseconds on the steady clock, which every process on the machine
/// shares (CLOCK_MONOTONIC): a sample taken in another process compares.
inline int64_t steady_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
           std::chrono::steady_clock::now().time_since_epoch())
    .count();
}

/// The `q` quantile of `xs` (nanoseconds) in microseconds; 0 when empty.
double quantile_us(std::vector<int64_t> xs, double q);

/// Starts a raw TCP echo server on 127.0.0.1 for one connection of 64-byte
/// messages, on a thread of its own; returns its port.
uint16_t start_echo_server();

/// 64-byte round trips to the echo server at `port`.
std::vector<int64_t> tcp_ping_pong(uint16_t port, int rounds);

/// One-way latencies of Redis pub/sub with two raw hiredis connections, a
/// publisher here and a subscriber on a thread: each message carries its
/// send time, and the next goes once the last arrived.
std::vector<int64_t> redis_pubsub(uint16_t port, int rounds);

} // namespace podshare::bench
