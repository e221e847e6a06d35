#pragma once

#include "podshare/bytes.hpp"

#include <cstddef>
#include <cstdint>

namespace podshare {

/// Tells a snapshot's bytes from others without keeping them: a 64-bit hash
/// of them (two different snapshots collide with odds of about 2^-64).
///
/// Why: a pod that finds the snapshot it stored itself still stored (its
/// replica holds every entry of it) need not decode it to join it.
uint64_t snapshot_fingerprint(const uint8_t* data, size_t size);

inline uint64_t snapshot_fingerprint(const bytes& x) {
  return snapshot_fingerprint(x.data(), x.size());
}

} // namespace podshare
