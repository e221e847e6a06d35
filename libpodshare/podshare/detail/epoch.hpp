#pragma once

#include <atomic>
#include <cstdint>

namespace podshare::detail {

/// Epoch-based reclamation: lets readers on any thread traverse memory that a
/// single writer unlinks and later frees, without locks and without ever
/// waiting for the writer. A reader announces the epoch it entered in a slot;
/// the writer frees what it unlinked two epochs ago, once every announced
/// slot has caught up (see docs/architecture.md, "The read path").
class epoch_domain {
public:
  /// A reader's announcement; cache-line sized so readers do not share lines.
  struct alignas(64) slot {
    /// The epoch the reader entered, or 0 while it reads nothing.
    std::atomic<uint64_t> epoch{0};
    std::atomic<bool> in_use{false};
    slot* next = nullptr;
  };

  /// The process-wide domain shared by every store (never destroyed, so
  /// thread-exit handlers may still use it).
  static epoch_domain& instance();

  /// Announces a read on the calling thread; nests.
  void enter_thread();

  /// Ends a read announced with `enter_thread`.
  void exit_thread();

  /// Takes a slot of its own for a reader that is not tied to a thread.
  slot* acquire_slot();

  /// Returns a slot taken with `acquire_slot`.
  void release_slot(slot* s);

  /// Announces a read in `s`.
  void enter(slot* s);

  /// Ends the read announced in `s`.
  static void exit(slot* s) { s->epoch.store(0, std::memory_order_release); }

  /// Returns the current epoch.
  uint64_t current() const { return global_.load(std::memory_order_seq_cst); }

  /// Advances the epoch if every active reader has entered the current one,
  /// and returns the (possibly new) current epoch. Memory unlinked at epoch
  /// `e` is unreachable to every reader once this returns `e + 2` or more.
  uint64_t try_advance();

private:
  epoch_domain() = default;

  std::atomic<uint64_t> global_{2};
  std::atomic<slot*> slots_{nullptr};
};

/// Announces a read on the calling thread for the lifetime of the guard.
class read_guard {
public:
  read_guard() { epoch_domain::instance().enter_thread(); }

  ~read_guard() { epoch_domain::instance().exit_thread(); }

  read_guard(const read_guard&) = delete;
  read_guard& operator=(const read_guard&) = delete;
};

} // namespace podshare::detail
