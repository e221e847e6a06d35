#pragma once

#include "podshare/interfaces.hpp"
#include "podshare/watch.hpp"

#include <caf/actor_system.hpp>
#include <caf/send.hpp>

#include <memory>
#include <optional>
#include <string>

namespace podshare {

/// An event as a typed watcher sees it.
template <class T>
struct typed_event {
  event_kind kind;
  std::string key;
  /// The value; null for deletes.
  std::shared_ptr<const T> value;
  podshare::version version;
};

/// A blocking watcher for plain threads: an iterator over the events a store
/// applies, with a timeout. Cancels its watch when destroyed.
template <class T, class Codec>
class watch_stream {
public:
  watch_stream(caf::actor_system& sys, store_actor store, watch_id id,
               std::shared_ptr<watch_queue> queue)
    : sys_(&sys), store_(std::move(store)), id_(id), queue_(std::move(queue)) {}

  watch_stream(watch_stream&&) noexcept = default;
  watch_stream& operator=(watch_stream&&) noexcept = default;

  ~watch_stream() { cancel(); }

  /// Waits up to `timeout` for the next event. Returns nothing when the
  /// timeout passed or the stream ended; `ended()` tells which.
  std::optional<typed_event<T>> next(caf::timespan timeout) {
    if (ended_)
      return std::nullopt;
    auto item = queue_->next(timeout);
    if (auto* why = std::get_if<watch_end>(&item)) {
      ended_ = *why;
      return std::nullopt;
    }
    auto* x = std::get_if<event>(&item);
    if (x == nullptr)
      return std::nullopt;
    typed_event<T> result{x->kind, std::move(x->key), nullptr,
                          std::move(x->version)};
    if (x->kind == event_kind::set)
      result.value = std::static_pointer_cast<const T>(x->decoded);
    return result;
  }

  /// Why the stream ended, once it has.
  std::optional<watch_end> ended() const { return ended_; }

  /// Ends the watch; buffered events are still returned by `next`.
  void cancel() {
    if (store_ && !cancelled_) {
      cancelled_ = true;
      caf::anon_send(store_, cancel_atom::value, id_);
    }
  }

private:
  caf::actor_system* sys_;
  store_actor store_;
  watch_id id_;
  std::shared_ptr<watch_queue> queue_;
  std::optional<watch_end> ended_;
  bool cancelled_ = false;
};

} // namespace podshare
