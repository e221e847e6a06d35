#pragma once

#include "podshare/detail/counters.hpp"
#include "podshare/interfaces.hpp"
#include "podshare/options.hpp"

#include <caf/stateful_actor.hpp>

#include <atomic>
#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace podshare::actors {

/// What a watcher registry starts from.
struct registry_config {
  /// Events a watcher may have outstanding before it is dropped.
  size_t buffer = 64;
  std::shared_ptr<detail::counters> counters;
  podshare::error_handler error_handler;
  /// Counts every watch the registry ended, so the store knows when nobody
  /// watches.
  std::shared_ptr<std::atomic<uint64_t>> ended
    = std::make_shared<std::atomic<uint64_t>>(0);
  /// Where watches starting and ending are logged, and as whose.
  std::shared_ptr<spdlog::logger> logger;
  std::string topic;
  std::string node;
};

/// The state of a watcher registry: the store's watchers, each with a filter
/// and a bounded buffer.
struct watcher_registry_state {
  static inline const char* name = "podshare.watchers";

  /// One registered watch: an actor or a blocking queue.
  struct watcher {
    watch_id id = 0;
    watch_filter filter;
    watcher_actor actor;
    std::shared_ptr<watch_queue> queue;
    /// Events sent to an actor watcher and not yet answered.
    size_t in_flight = 0;
  };

  /// An actor watcher's share of one batch of events.
  struct delivery {
    watch_id id;
    watcher_actor actor;
    event_batch events;
  };

  /// Filters `events` for every watcher, pushes them into blocking queues and
  /// returns what to send to actor watchers. Watchers whose buffer overflows
  /// move to `dropped`.
  std::vector<delivery> dispatch(std::vector<event> events,
                                 std::vector<watcher>& dropped);

  /// Registers a watcher.
  void add(watcher x);

  /// Unregisters a watcher; returns it if it was there.
  std::optional<watcher> remove(watch_id id);

  /// An actor watcher answered `n` events.
  void acknowledge(watch_id id, size_t n);

  /// Removes every watcher and returns them.
  std::vector<watcher> take_all();

  registry_config cfg;
  std::vector<watcher> watchers;
};

/// The watcher registry of one store.
watcher_registry_actor::behavior_type watcher_registry(
  watcher_registry_actor::stateful_pointer<watcher_registry_state> self,
  registry_config cfg);

} // namespace podshare::actors
