#pragma once

// The feature-flags example's vocabulary: a flag with a percentage rollout,
// the stable hash that picks users, and the lock-free pointer through which
// a worker's request path reads the latest flag. Free of CAF.

#include "podshare/codec.hpp"

#include <msgpack.hpp>

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace flags {

/// A feature flag as the operator writes it under `flags:<team>/<name>`.
struct flag {
  std::string name;
  /// Off overrides the percentage: the kill switch.
  bool enabled = false;
  /// Share of users who get the feature, 0 to 100.
  int percent = 0;

  MSGPACK_DEFINE_MAP(name, enabled, percent)
};

bool operator==(const flag& x, const flag& y);

/// The codec flags are stored with.
using codec = podshare::msgpack_codec<flag>;

/// The key prefix of every flag.
constexpr std::string_view key_prefix = "flags:";

/// 64-bit FNV-1a of `text`: stable across runs, platforms and compilers,
/// unlike `std::hash`, so every pod puts a user in the same bucket.
uint64_t fnv1a(std::string_view text);

/// The user's bucket for a flag, 0 to 99: `fnv1a("<flag>:<user>") % 100`.
int bucket(std::string_view flag_name, std::string_view user);

/// Whether `user` gets the feature: the flag is on and the user's bucket is
/// below the percentage. Raising the percentage only adds users.
bool decide(const flag& f, std::string_view user);

/// The latest flag, read by any number of request threads without locks and
/// replaced by one writer thread. An atomic raw pointer: readers announce
/// themselves to podshare's epoch domain while they use the flag, and the
/// writer frees a replaced flag only once no reader can still see it.
/// (`std::atomic_load` on a `shared_ptr` takes a lock in libstdc++, and
/// `std::atomic<std::shared_ptr>` is not in g++ 12.)
class latest_flag {
public:
  latest_flag() = default;
  latest_flag(const latest_flag&) = delete;
  latest_flag& operator=(const latest_flag&) = delete;
  ~latest_flag();

  /// Calls `f(const flag*)` with the latest flag (null before the first one)
  /// and returns its result. Lock-free; keep `f` short.
  template <class F>
  auto read(F&& f) const {
    guard g;
    return f(current_.load(std::memory_order_acquire));
  }

  /// Replaces the flag. One writer thread at a time.
  void publish(flag x);

  /// Replaced flags not freed yet, for tests.
  size_t retired() const { return retired_.size(); }

private:
  /// Announces a read to the epoch domain for its lifetime.
  struct guard {
    guard();
    ~guard();
  };

  std::atomic<const flag*> current_{nullptr};
  /// Replaced flags and the epoch at which they were unlinked.
  std::vector<std::pair<const flag*, uint64_t>> retired_;
};

static_assert(std::atomic<const flag*>::is_always_lock_free);

} // namespace flags
