#pragma once

#include <caf/meta/type_name.hpp>

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <vector>

namespace podshare {

class ingest_budget;

/// A claim on an `ingest_budget` that travels inside the messages carrying
/// the bytes it covers. Copies share the claim; the bytes go back to the
/// budget when the last copy is destroyed, which for a message is once its
/// receiver has handled it. A default ticket claims nothing.
class ingest_ticket {
public:
  ingest_ticket() = default;

  /// The bytes it claims; 0 for a default ticket.
  size_t size() const noexcept;

private:
  friend class ingest_budget;
  struct claim;
  explicit ingest_ticket(std::shared_ptr<const claim> x)
    : claim_(std::move(x)) {}
  std::shared_ptr<const claim> claim_;
};

/// A ticket stands for memory on this process: it crosses no network, and
/// one that arrives from elsewhere claims nothing.
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, ingest_ticket&) {
  return f(caf::meta::type_name("ingest_ticket"));
}

/// What an ingest budget reports (`transport_status::ingest`).
struct ingest_status {
  /// The limit in bytes; 0 when the transport has none.
  uint64_t budget = 0;
  /// Bytes received and not yet handled by the stores, now and at most.
  uint64_t in_flight = 0;
  uint64_t peak = 0;
  /// Times reading stopped because the budget was spent.
  uint64_t pauses = 0;
  /// Times the source cut us off meanwhile (Redis at its output-buffer
  /// limit) and the transport resynced its stores.
  uint64_t overruns = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, ingest_status& x) {
  return f(caf::meta::type_name("ingest_status"), x.budget, x.in_flight, x.peak,
           x.pauses, x.overruns);
}

/// The memory a transport may hold in bytes it received and its
/// subscribers have not yet handled: socket reads waiting to be parsed,
/// messages in the stores' mailboxes. A transport charges what it reads,
/// stops reading while the budget is spent, and resumes once the stores
/// have handed back half of it, so a burst waits in the kernel and at its
/// source instead of in our heap.
///
/// Thread-safe: a transport charges on its thread, stores release on
/// theirs.
class ingest_budget : public std::enable_shared_from_this<ingest_budget> {
public:
  /// What a message costs beside its payload, as charged: CAF's mailbox
  /// element and message, the shared claim, the allocations' headers (an
  /// estimate from their sizes, rounded up; not measured per message).
  static constexpr size_t message_overhead = 256;

  /// A budget of `limit` bytes (at least 1).
  static std::shared_ptr<ingest_budget> make(size_t limit);

  /// Claims `n` more bytes; they may take the total past the limit (a
  /// message already read must go on), which `spent` then reports.
  ingest_ticket charge(size_t n);

  /// Whether the claims reach the limit: stop reading.
  bool spent() const noexcept;

  /// Calls `resume` once the claims fall to half the limit: at once, on
  /// this thread, if they already have, else on the thread of the release
  /// that gets there. Counts a pause unless called at once.
  void when_room(std::function<void()> resume);

  /// Counts a source that cut us off while we were behind.
  void count_overrun() noexcept;

  /// Whether reading paused since the last `reset_paused` (a connection
  /// the server closes meanwhile was most likely closed for it).
  bool paused_since_reset() const noexcept;
  void reset_paused() noexcept;

  ingest_status status() const;

private:
  friend struct ingest_ticket::claim;
  explicit ingest_budget(size_t limit) : limit_(limit) {}
  void release(size_t n);

  const size_t limit_;
  std::atomic<size_t> used_{0};
  std::atomic<size_t> peak_{0};
  std::atomic<uint64_t> pauses_{0};
  std::atomic<uint64_t> overruns_{0};
  std::atomic<bool> paused_since_reset_{false};
  // The waiters: added under the mutex, taken by whoever sees room first.
  std::atomic<bool> waiting_{false};
  std::mutex mtx_;
  std::vector<std::function<void()>> waiters_;
};

} // namespace podshare
