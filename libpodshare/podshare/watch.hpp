#pragma once

#include "podshare/event.hpp"

#include <caf/allowed_unsafe_message_type.hpp>
#include <caf/meta/type_name.hpp>
#include <caf/timespan.hpp>

#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace podshare {

/// Which events a watcher receives. Filters run before buffering, so a miss
/// costs no buffer space.
struct watch_filter {
  enum class kind : uint8_t {
    all = 0,
    key = 1,
    prefix = 2,
    predicate = 3,
    range = 4,
  };

  watch_filter::kind what = kind::all;
  /// The key, the prefix, or where the range starts.
  std::string text;
  /// Where the range ends (excluded); empty for no end.
  std::string to;
  /// The predicate; process-local (it does not cross the network).
  std::function<bool(const event&)> predicate;

  static watch_filter all() { return {}; }

  static watch_filter key(std::string k) {
    return {kind::key, std::move(k), {}, {}};
  }

  static watch_filter prefix(std::string p) {
    return {kind::prefix, std::move(p), {}, {}};
  }

  /// Keys with `from <= key < to`; an empty `to` is no upper bound.
  static watch_filter range(std::string from, std::string to) {
    return {kind::range, std::move(from), std::move(to), {}};
  }

  static watch_filter where(std::function<bool(const event&)> f) {
    return {kind::predicate, {}, {}, std::move(f)};
  }

  /// Returns whether `x` passes the filter.
  bool matches(const event& x) const;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, watch_filter& x) {
  return f(caf::meta::type_name("watch_filter"), x.what, x.text, x.to);
}

/// Why a watch ended.
enum class watch_end : uint8_t {
  /// Its owner cancelled it.
  cancelled = 1,
  /// Its buffer was full when an event arrived.
  dropped = 2,
  /// The store closed.
  closed = 3,
};

/// Returns `"cancelled"`, `"dropped"` or `"closed"`.
const char* to_string(watch_end x);

/// What a blocking watcher's `next` returns: an event, the end of the
/// stream, or `std::monostate` when the timeout passed first.
using watch_item = std::variant<std::monostate, event, watch_end>;

/// The bounded hand-off from a store's watcher registry (one producer) to a
/// plain thread (one consumer). The producer never blocks: a push into a full
/// queue fails and the registry drops the watcher.
class watch_queue {
public:
  explicit watch_queue(size_t capacity) : capacity_(capacity) {}

  /// Adds `events` in order, as many as fit (none once the queue has
  /// ended), under one lock and with one wake-up; the queue keeps the vector
  /// itself, so events are not moved one by one. Returns how many it added.
  size_t try_push(std::vector<event>&& events);

  /// Ends the stream; the consumer sees `why` after the buffered events.
  void end(watch_end why);

  /// Takes the next item, waiting at most `timeout`.
  watch_item next(caf::timespan timeout);

  /// Returns how many events wait in the queue.
  size_t size() const;

private:
  size_t capacity_;
  mutable std::mutex mtx_;
  std::condition_variable cv_;
  // Batches as they were pushed; the consumer reads the front one from
  // `read_` on and frees it once read.
  std::deque<std::vector<event>> batches_;
  size_t read_ = 0;
  // Events waiting, in all batches.
  size_t size_ = 0;
  std::optional<watch_end> ended_;
};

} // namespace podshare

// A blocking watcher's queue is handed to the store inside a message; it is
// process-local and never serialized.
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(std::shared_ptr<podshare::watch_queue>)
