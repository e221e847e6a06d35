#pragma once

#include "podshare/codec.hpp"
#include "podshare/detail/blocking_call.hpp"
#include "podshare/error.hpp"
#include "podshare/observer.hpp"
#include "podshare/store_handle.hpp"
#include "podshare/store_view.hpp"
#include "podshare/version_vector.hpp"
#include "podshare/watch_stream.hpp"

#include <caf/send.hpp>

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <type_traits>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

namespace podshare {

/// A joins of two values for `store<T>::open` (commutative, associative,
/// idempotent); empty for last-write-wins.
template <class T>
using merger = std::function<T(const T& current, const T& incoming)>;

/// The blocking facade of a store of `T` values, for plain threads. Reads go
/// to the replica the store actor publishes (no message round trip); writes
/// wait for the store's answer. Copies share one store.
template <class T, class Codec = msgpack_codec<T>>
class store {
public:
  using value_type = T;

  /// Opens `topic` on `transport` (spec §4): subscribes, loads the latest
  /// snapshot, then serves.
  static caf::expected<store> open(caf::actor_system& sys, std::string topic,
                                   transport_actor transport, options opts = {},
                                   merger<T> join = {}) {
    auto handle
      = open_store(sys, std::move(topic), std::move(transport),
                   make_value_ops<T, Codec>(std::move(join)), std::move(opts));
    if (!handle)
      return std::move(handle.error());
    return store{sys, std::move(*handle)};
  }

  // -- reads (any thread, no round trip) ------------------------------------

  /// The live value of `key`, or nothing.
  std::optional<T> get(std::string_view key) const {
    handle_.counters->reads.add();
    return handle_.map->read(key, [](const record* x) -> std::optional<T> {
      if (x == nullptr || x->tombstone())
        return std::nullopt;
      return x->value_as<T>();
    });
  }

  /// Calls `f(const T&)` with the live value of `key` without copying it;
  /// returns whether there was one. `f` runs inside a read: keep it short.
  template <class F>
  bool visit(std::string_view key, F&& f) const {
    handle_.counters->reads.add();
    return handle_.map->read(key, [&](const record* x) {
      if (x == nullptr || x->tombstone())
        return false;
      f(x->value_as<T>());
      return true;
    });
  }

  /// The live keys, in key order.
  std::vector<std::string> keys() const { return view().keys(); }

  /// The live entries with `from <= key < to` (no upper bound when `to` is
  /// empty), in key order, from one consistent state.
  std::vector<std::pair<std::string, T>> range(std::string_view from,
                                               std::string_view to) const {
    return view().range(from, to);
  }

  /// The live entries whose keys start with `p`, in key order.
  std::vector<std::pair<std::string, T>> prefix(std::string_view p) const {
    return view().prefix(p);
  }

  /// Calls `f(std::string_view key, const T& value)` for each live entry
  /// with `from <= key < to`, in key order, without copying; `f` runs inside
  /// a read: keep it short.
  template <class F>
  void for_range(std::string_view from, std::string_view to, F&& f) const {
    view().for_range(from, to, std::forward<F>(f));
  }

  /// One consistent state for several reads: the map by key and in order,
  /// the revision and observers' derived state, all of one batch.
  store_view<T> view() const { return {*handle_.map, *handle_.counters}; }

  /// A copy of the live map, from one consistent state.
  std::unordered_map<std::string, T> snapshot() const {
    std::unordered_map<std::string, T> result;
    handle_.map->for_each([&](const record& x) {
      if (!x.tombstone())
        result.emplace(x.key(), x.value_as<T>());
    });
    return result;
  }

  /// The version of `key`; absent for missing and deleted keys.
  podshare::version version(std::string_view key) const {
    return handle_.map->read(key, [](const record* x) {
      return x != nullptr && !x->tombstone() ? x->version()
                                             : podshare::version{};
    });
  }

  /// The store's counters.
  podshare::stats stats() const { return handle_.counters->read(); }

  const std::string& node_id() const { return handle_.node_id; }

  const std::string& topic() const { return handle_.topic; }

  /// The replica this facade reads, for code that reads it in bulk (the
  /// snapshot benchmark).
  const std::shared_ptr<const replica>& map() const { return handle_.map; }

  /// The store actor, for CAF code that talks to it directly.
  const store_actor& actor() const { return handle_.actor; }

  // -- writes (block until the store answers) -------------------------------

  /// Writes `value`; `broadcast_failed` means the local write stands.
  caf::expected<podshare::version> set(std::string key, const T& value) {
    auto item = encode(std::move(key), value);
    if (!item)
      return std::move(item.error());
    return call<podshare::version>(set_atom::value, std::move(*item));
  }

  /// Writes a tombstone for `key`, known or not.
  caf::expected<podshare::version> erase(std::string key) {
    return call<podshare::version>(erase_atom::value, std::move(key));
  }

  /// Writes every item as one batch; nothing is applied if one fails to
  /// encode.
  caf::expected<std::vector<podshare::version>>
  set_many(const std::unordered_map<std::string, T>& items) {
    auto batch = encode_all(items);
    if (!batch)
      return std::move(batch.error());
    return call<std::vector<podshare::version>>(set_many_atom::value,
                                                std::move(*batch));
  }

  /// Deletes every key as one batch.
  caf::expected<std::vector<podshare::version>>
  erase_many(std::vector<std::string> keys) {
    return call<std::vector<podshare::version>>(erase_many_atom::value,
                                                std::move(keys));
  }

  /// Hydrates an empty store before it goes live: no broadcast, no events.
  caf::error seed(const std::unordered_map<std::string, T>& items) {
    auto batch = encode_all(items);
    if (!batch)
      return std::move(batch.error());
    auto res = call<ok_atom>(seed_atom::value, std::move(*batch));
    return res ? caf::error{} : std::move(res.error());
  }

  /// Writes only if the local version of `key` equals `expected` (absent:
  /// only if absent). A local check, not a distributed compare-and-swap.
  caf::expected<podshare::version> try_set(std::string key, const T& value,
                                           const podshare::version& expected) {
    auto item = encode(std::move(key), value);
    if (!item)
      return std::move(item.error());
    return call<podshare::version>(try_set_atom::value, std::move(*item),
                                   expected);
  }

  /// Deletes `key` only if its local version equals `expected`: gives up a
  /// claim without erasing one another pod made since. A local check.
  caf::expected<podshare::version>
  try_erase(std::string key, const podshare::version& expected) {
    return call<podshare::version>(try_erase_atom::value, std::move(key),
                                   expected);
  }

  /// Merges the transport's snapshot; returns how many entries changed.
  caf::expected<uint64_t> refresh() {
    return call<uint64_t>(refresh_atom::value);
  }

  // -- revisions: read-your-writes across pods ------------------------------

  /// The local revision: changes applied here since the store opened, local
  /// and remote. No round trip; the map read after it holds at least that
  /// state.
  uint64_t revision() const {
    return handle_.counters->revision.load(std::memory_order_relaxed);
  }

  /// What this store has applied, per writer incarnation: its version
  /// vector.
  caf::expected<std::vector<applied_writes>> applied() const {
    return call<std::vector<applied_writes>>(applied_atom::value);
  }

  /// Waits until this store has applied the write `token` names (made with
  /// `token_of` from the version a write returned, on any pod), or a state
  /// that supersedes it; `timeout` if it has not within `timeout`. Then a
  /// `get` here sees that write or a newer one.
  caf::error wait_for(const write_token& token, caf::timespan timeout) {
    auto res = call_within<ok_atom>(timeout + wait_slack, wait_atom::value,
                                    token, timeout);
    return res ? caf::error{} : std::move(res.error());
  }

  /// Waits until the local revision reaches `revision`; returns it.
  caf::expected<uint64_t> wait_for_revision(uint64_t revision,
                                            caf::timespan timeout) {
    return call_within<uint64_t>(timeout + wait_slack, wait_atom::value,
                                 revision, timeout);
  }

  /// Waits for the next change applied here; returns the revision after it.
  caf::expected<uint64_t> next_update(caf::timespan timeout) {
    return call_within<uint64_t>(timeout + wait_slack, next_atom::value,
                                 timeout);
  }

  /// Watches events applied from now on, own writes included.
  watch_stream<T, Codec> watch(watch_filter filter = watch_filter::all()) {
    auto queue = std::make_shared<watch_queue>(handle_.options.watch_buffer);
    auto id = call<watch_id>(watch_atom::value, std::move(filter), queue);
    if (!id)
      queue->end(watch_end::closed);
    return watch_stream<T, Codec>{*sys_, handle_.actor, id ? *id : 0,
                                  std::move(queue)};
  }

  /// Keeps derived state in step with the map: the store folds every
  /// applied batch into it (after folding in the entries already there)
  /// before readers see the batch, so a `view` shows the state derived from
  /// exactly the map beside it. `fold` runs in the store actor on a copy of
  /// the state per batch: keep it quick and the state small. A fold that
  /// throws freezes the state (`observer::failure` says why); the map goes
  /// on. Observers last as long as the store.
  /// (`D` comes from `initial` alone: `fold` may be any callable.)
  template <class D>
  caf::expected<observer<D>>
  observe(D initial, std::common_type_t<fold_function<T, D>> fold) {
    auto typed
      = std::make_shared<detail::typed_observer<T, D>>(std::move(fold));
    std::shared_ptr<const void> state
      = std::make_shared<const D>(std::move(initial));
    auto id = call<uint64_t>(observe_atom::value,
                             std::shared_ptr<replica_observer>{typed},
                             std::move(state));
    if (!id)
      return std::move(id.error());
    return observer<D>{handle_.map.get(), static_cast<size_t>(*id),
                       [typed] { return typed->failure(); }};
  }

  /// Closes the store: a final snapshot, every watch ends, later writes fail
  /// with `closed`; reads keep working. Idempotent.
  caf::error close() { return close(handle_.options.call_timeout); }

  /// Closes within `timeout`: answers `timeout` if the transport hangs, and
  /// the store is closed all the same.
  caf::error close(caf::timespan timeout) {
    auto res = call_within<ok_atom>(timeout, close_atom::value, timeout);
    // A store that is gone was closed before.
    if (res || res.error() == ec::closed)
      return caf::error{};
    return std::move(res.error());
  }

private:
  // How much longer the facade waits than a wait it asked the store for:
  // the store answers `timeout` itself.
  static constexpr caf::timespan wait_slack = std::chrono::seconds{1};

  store(caf::actor_system& sys, store_handle handle)
    : sys_(&sys), handle_(std::move(handle)),
      closer_(std::make_shared<closer>(handle_.actor,
                                       handle_.options.call_timeout)) {}

  caf::expected<write_item> encode(std::string key, const T& value) const {
    auto encoded = Codec::encode(value);
    if (!encoded)
      return std::move(encoded.error());
    return write_item{std::move(key), std::move(*encoded),
                      make_erased<T>(value)};
  }

  caf::expected<std::vector<write_item>>
  encode_all(const std::unordered_map<std::string, T>& items) const {
    std::vector<write_item> batch;
    batch.reserve(items.size());
    for (auto& [key, value] : items) {
      auto item = encode(key, value);
      if (!item)
        return std::move(item.error());
      batch.push_back(std::move(*item));
    }
    return batch;
  }

  template <class Reply, class... Ts>
  caf::expected<Reply> call(Ts&&... xs) const {
    return call_within<Reply>(handle_.options.call_timeout,
                              std::forward<Ts>(xs)...);
  }

  template <class Reply, class... Ts>
  caf::expected<Reply> call_within(caf::timespan timeout, Ts&&... xs) const {
    auto result = detail::blocking_call<Reply>(*sys_, handle_.actor, timeout,
                                               std::forward<Ts>(xs)...);
    if (!result)
      return translate(std::move(result.error()));
    return result;
  }

  // A closed store has exited: asking it anything means it is closed.
  caf::error translate(caf::error err) const {
    if (err == caf::sec::request_receiver_down)
      return caf::make_error(ec::closed, handle_.topic);
    if (err == caf::sec::request_timeout)
      return caf::make_error(ec::timeout, handle_.topic);
    return err;
  }

  // Closes the store when the last copy of the facade goes away, so that a
  // forgotten close still flushes and frees the store's actors.
  struct closer {
    closer(store_actor actor, caf::timespan timeout)
      : actor(std::move(actor)), timeout(timeout) {}

    closer(const closer&) = delete;
    closer& operator=(const closer&) = delete;

    store_actor actor;
    caf::timespan timeout;

    ~closer() { caf::anon_send(actor, close_atom::value, timeout); }
  };

  caf::actor_system* sys_;
  store_handle handle_;
  std::shared_ptr<closer> closer_;
};

} // namespace podshare
