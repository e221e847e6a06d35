#include "podshare/detail/epoch.hpp"

namespace podshare::detail {

namespace {

// The calling thread's slot, taken on its first read and returned when the
// thread exits.
struct thread_slot {
  epoch_domain::slot* slot = nullptr;
  uint32_t depth = 0;

  ~thread_slot() {
    if (slot != nullptr)
      epoch_domain::instance().release_slot(slot);
  }
};

thread_local thread_slot this_thread_slot;

} // namespace

epoch_domain& epoch_domain::instance() {
  // Leaked on purpose: thread_local destructors may run after static ones.
  static auto* domain = new epoch_domain;
  return *domain;
}

void epoch_domain::enter_thread() {
  auto& ts = this_thread_slot;
  if (ts.depth++ > 0)
    return;
  if (ts.slot == nullptr)
    ts.slot = acquire_slot();
  enter(ts.slot);
}

// Members, not static, though they touch no member today: they pair with
// `enter_thread` and `acquire_slot` on the one domain.
// NOLINTNEXTLINE(readability-convert-member-functions-to-static)
void epoch_domain::exit_thread() {
  auto& ts = this_thread_slot;
  if (--ts.depth == 0)
    exit(ts.slot);
}

epoch_domain::slot* epoch_domain::acquire_slot() {
  for (auto* s = slots_.load(std::memory_order_acquire); s != nullptr;
       s = s->next) {
    bool expected = false;
    if (!s->in_use.load(std::memory_order_relaxed)
        && s->in_use.compare_exchange_strong(expected, true))
      return s;
  }
  auto* s = new slot;
  s->in_use.store(true, std::memory_order_relaxed);
  auto* head = slots_.load(std::memory_order_relaxed);
  do {
    s->next = head;
  } while (!slots_.compare_exchange_weak(head, s, std::memory_order_release,
                                         std::memory_order_relaxed));
  return s;
}

// NOLINTNEXTLINE(readability-convert-member-functions-to-static)
void epoch_domain::release_slot(slot* s) {
  s->epoch.store(0, std::memory_order_release);
  s->in_use.store(false, std::memory_order_release);
}

void epoch_domain::enter(slot* s) {
  // Sequentially consistent so that the writer's scan in try_advance either
  // sees this announcement or happens before the reader loads a root.
  s->epoch.store(global_.load(std::memory_order_seq_cst),
                 std::memory_order_seq_cst);
}

uint64_t epoch_domain::try_advance() {
  auto now = global_.load(std::memory_order_seq_cst);
  for (auto* s = slots_.load(std::memory_order_acquire); s != nullptr;
       s = s->next) {
    auto e = s->epoch.load(std::memory_order_seq_cst);
    if (e != 0 && e != now)
      return now;
  }
  // A failed exchange means another writer advanced: `now` is then fresh.
  if (global_.compare_exchange_strong(now, now + 1))
    return now + 1;
  return now;
}

} // namespace podshare::detail
