#pragma once

// Deterministic store tests: a test coordinator drives every actor, a manual
// wall clock drives timestamps and TTLs, and helpers hide the request / run /
// receive boilerplate so that test bodies read like their names.

#define FAIL(msg) CAF_FAIL(msg)

#include "podshare/codec.hpp"
#include "podshare/error.hpp"
#include "podshare/interfaces.hpp"
#include "podshare/net/memory/spawn.hpp"
#include "podshare/store_handle.hpp"
#include "podshare/watch.hpp"
#include "podshare/wire.hpp"
#include "support/error_of.hpp"

#include <caf/test/dsl.hpp>

#include <atomic>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace podshare::testing {

/// The wall-clock start of every test: 2026-01-01T00:00:00Z.
constexpr int64_t epoch_2026 = 1767225600LL * 1000000000LL;

/// A wall clock that tests move by hand.
struct manual_clock {
  std::shared_ptr<std::atomic<int64_t>> now
    = std::make_shared<std::atomic<int64_t>>(epoch_2026);

  wall_clock source() const {
    auto ptr = now;
    return [ptr] { return ptr->load(); };
  }

  void advance(caf::timespan x) { now->fetch_add(x.count()); }
};

/// A test coordinator with a memory transport, a manual clock and a record
/// of every error the stores report.
struct store_fixture : test_coordinator_fixture<> {
  store_fixture();

  /// Options for a store named `node`: manual clock, reports recorded, GC
  /// tick off (tests drive it).
  options make_options(const std::string& node) const;

  /// Spawns the store `node` on `topic` (default: the fixture's transport)
  /// and waits until it has opened.
  store_handle open(const std::string& node, options opts);
  store_handle open(const std::string& node);
  store_handle open_on(const std::string& node, transport_actor via);

  /// Opens the store `node` with `join_chars` as its merger.
  store_handle open_merging(const std::string& node);

  /// A join of two strings: the union of their characters, sorted.
  static std::string join_chars(const std::string& x, const std::string& y);

  /// Spawns the store `node` with `values` and waits until it has opened.
  store_handle open_with(const std::string& node, options opts,
                         value_ops values);

  /// Sends a request and runs every actor until nothing is left to do
  /// (timers excluded); returns the reply or error.
  template <class Reply, class Handle, class... Ts>
  caf::expected<Reply> call(const Handle& dest, Ts&&... xs) {
    auto handle = self->request(dest, caf::infinite, std::forward<Ts>(xs)...);
    consume_messages();
    if (self->mailbox().empty())
      return caf::make_error(ec::timeout, "no reply");
    caf::expected<Reply> result{caf::make_error(ec::timeout)};
    handle.receive([&](Reply& x) { result = std::move(x); },
                   [&](caf::error& err) { result = std::move(err); });
    return result;
  }

  /// Lets the store's debounce and TTL timers see `x` pass, then runs.
  void pass(caf::timespan x);

  // -- store operations through the typed interface ---------------------------

  caf::expected<version> set(const store_handle& s, const std::string& key,
                             const std::string& value);
  caf::expected<version> erase(const store_handle& s, const std::string& key);

  /// Reads `key` from the replica, as the facade does.
  std::optional<std::string> get(const store_handle& s,
                                 const std::string& key) const;

  /// Encodes a string value with the test codec.
  static bytes encode(const std::string& value);

  /// Delivers a wire message to `s` as if a peer had published it.
  void deliver(const store_handle& s, const bytes& payload);

  /// A wire event from a peer.
  static bytes peer_event(event_kind kind, const std::string& key,
                          const std::string& value, version v,
                          wire::format fmt = wire::format::msgpack);

  /// Whether some recorded report carries `code`.
  bool reported(ec code) const;

  std::string topic = "topic";
  transport_actor transport;
  manual_clock clock;
  std::shared_ptr<std::vector<caf::error>> reports
    = std::make_shared<std::vector<caf::error>>();
};

/// An actor watcher that records what it receives.
struct recorded_watch {
  std::vector<event> events;
  std::optional<watch_end> ended;
};

/// Spawns an actor watcher that records into `into`.
watcher_actor spawn_recorder(caf::actor_system& sys,
                             std::shared_ptr<recorded_watch> into);

/// Set events with these keys and nothing else, in order.
std::vector<event> events_keyed(const std::vector<std::string>& keys);

/// The key of `q`'s next event, "" when it has none, or "end:<why>".
std::string next_key(watch_queue& q);

} // namespace podshare::testing
