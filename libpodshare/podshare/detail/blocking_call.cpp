#include "podshare/detail/blocking_call.hpp"

#include <caf/actor_config.hpp>
#include <caf/mailbox_element.hpp>
#include <caf/make_actor.hpp>
#include <caf/monitorable_actor.hpp>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

#if defined(__x86_64__) || defined(__i386__)
#  include <immintrin.h>
#endif

namespace podshare::detail {

namespace {

// How long a caller spins before it parks. A running store answers a local
// write in a few microseconds; parking and being woken costs tens of
// microseconds on these machines (caf-0.17-notes), so a short spin pays off
// whenever the store is awake, and costs at most this much CPU when not.
constexpr auto spin_budget = std::chrono::microseconds{50};

void cpu_relax() {
#if defined(__x86_64__) || defined(__i386__)
  _mm_pause();
#else
  std::this_thread::yield();
#endif
}

// The sender of one blocking request: an actor that is never scheduled.
// Whoever answers the request writes the answer straight into it, on the
// answering thread, and wakes the caller only if the caller has parked.
class reply_sink final : public caf::monitorable_actor {
public:
  reply_sink(caf::actor_config& cfg, caf::message_id expected)
    : caf::monitorable_actor(cfg), expected_(expected) {}

  void enqueue(caf::mailbox_element_ptr what, caf::execution_unit*) override {
    // Only the one answer counts: not a stray message, not a second reply.
    if (what == nullptr || what->mid != expected_
        || state_.load(std::memory_order_acquire) == ready)
      return;
    answer_ = what->move_content_to_message();
    if (state_.exchange(ready, std::memory_order_acq_rel) == parked) {
      std::lock_guard<std::mutex> guard{lock_};
      wake_.notify_one();
    }
  }

  const char* name() const override { return "podshare.reply_sink"; }

  // Spins, then parks until the answer or the deadline.
  call_answer wait(caf::timespan timeout) {
    auto start = std::chrono::steady_clock::now();
    auto spin_until = start + spin_budget;
    for (unsigned i = 0;; ++i) {
      if (state_.load(std::memory_order_acquire) == ready)
        return std::move(answer_);
      if (i % 64 == 63 && std::chrono::steady_clock::now() >= spin_until)
        break;
      cpu_relax();
    }
    std::unique_lock<std::mutex> guard{lock_};
    int expected = empty;
    if (state_.compare_exchange_strong(expected, parked,
                                       std::memory_order_acq_rel))
      wake_.wait_until(guard, start + timeout, [this] {
        return state_.load(std::memory_order_acquire) == ready;
      });
    if (state_.load(std::memory_order_acquire) != ready)
      return std::nullopt;
    return std::move(answer_);
  }

private:
  enum : int { empty, parked, ready };

  caf::message_id expected_;
  std::atomic<int> state_{empty};
  caf::message answer_;
  std::mutex lock_;
  std::condition_variable wake_;
};

// Request ids only need to be unique per sender; every sink is new, so any
// non-zero id will do.
constexpr caf::message_id request_id
  = caf::make_message_id(caf::normal_message_priority_constant{}, 1);

} // namespace

call_answer blocking_request(caf::actor_system& sys,
                             const caf::strong_actor_ptr& dest,
                             caf::message content, caf::timespan timeout) {
  if (!dest)
    return caf::make_message(caf::make_error(caf::sec::invalid_argument));
  caf::actor_config cfg;
  auto sink = caf::make_actor<reply_sink, caf::strong_actor_ptr>(
    sys.next_actor_id(), sys.node(), &sys, cfg, request_id.response_id());
  auto* self
    = static_cast<reply_sink*>(caf::actor_cast<caf::abstract_actor*>(sink));
  dest->enqueue(
    caf::make_mailbox_element(sink, request_id, {}, std::move(content)),
    nullptr);
  return self->wait(timeout);
}

} // namespace podshare::detail
