#include "podshare/ingest_budget.hpp"

#include <algorithm>
#include <utility>

namespace podshare {

struct ingest_ticket::claim {
  std::shared_ptr<ingest_budget> budget;
  size_t n = 0;

  claim(std::shared_ptr<ingest_budget> owner, size_t bytes)
    : budget(std::move(owner)), n(bytes) {}
  claim(const claim&) = delete;
  claim& operator=(const claim&) = delete;
  ~claim() { budget->release(n); }
};

size_t ingest_ticket::size() const noexcept {
  return claim_ ? claim_->n : 0;
}

std::shared_ptr<ingest_budget> ingest_budget::make(size_t limit) {
  return std::shared_ptr<ingest_budget>(
    new ingest_budget(std::max<size_t>(limit, 1)));
}

ingest_ticket ingest_budget::charge(size_t n) {
  auto now = used_.fetch_add(n) + n;
  auto peak = peak_.load(std::memory_order_relaxed);
  while (now > peak && !peak_.compare_exchange_weak(peak, now))
    ; // `peak` reloaded
  return ingest_ticket{
    std::make_shared<const ingest_ticket::claim>(shared_from_this(), n)};
}

bool ingest_budget::spent() const noexcept {
  return used_.load() >= limit_;
}

void ingest_budget::when_room(std::function<void()> resume) {
  {
    std::lock_guard<std::mutex> guard{mtx_};
    waiting_ = true;
    // A release that ran before `waiting_` was set did not look for
    // waiters: check the claims again (both sides use seq_cst, so one of
    // them sees the other).
    if (used_.load() > limit_ / 2) {
      waiters_.push_back(std::move(resume));
      ++pauses_;
      paused_since_reset_ = true;
      return;
    }
    waiting_ = !waiters_.empty();
  }
  resume();
}

void ingest_budget::release(size_t n) {
  auto now = used_.fetch_sub(n) - n;
  if (now > limit_ / 2 || !waiting_.load())
    return;
  std::vector<std::function<void()>> ready;
  {
    std::lock_guard<std::mutex> guard{mtx_};
    if (!waiting_ || used_.load() > limit_ / 2)
      return;
    waiting_ = false;
    ready.swap(waiters_);
  }
  for (auto& resume : ready)
    resume();
}

void ingest_budget::count_overrun() noexcept {
  ++overruns_;
}

bool ingest_budget::paused_since_reset() const noexcept {
  return paused_since_reset_.load();
}

void ingest_budget::reset_paused() noexcept {
  paused_since_reset_ = false;
}

ingest_status ingest_budget::status() const {
  ingest_status x;
  x.budget = limit_;
  x.in_flight = used_.load();
  x.peak = peak_.load();
  x.pauses = pauses_.load();
  x.overruns = overruns_.load();
  return x;
}

} // namespace podshare
