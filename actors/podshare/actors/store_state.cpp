#include "podshare/actors/store.hpp"

#include "podshare/error.hpp"
#include "podshare/snapshot_fingerprint.hpp"
#include "podshare/wire.hpp"

#include <caf/span.hpp>

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <random>
#include <string>
#include <string_view>
#include <utility>

namespace podshare::actors {

void store_state::init(store_config config) {
  cfg = std::move(config);
  topic = cfg.topic;
  node_id = cfg.options.node_id;
  clock = hybrid_clock{cfg.options.wall_clock};
  dirty = std::make_shared<std::atomic<bool>>(false);
  // 32 random bits: enough to tell the lives of one node id apart, and
  // short on the wire, where every entry of a snapshot carries it.
  std::random_device entropy;
  std::uniform_int_distribution<uint64_t> pick{1, 0xffffffffu};
  incarnation = pick(entropy);
  repair_topic = wire::repair_topic(topic);
  repair_inbox = wire::repair_inbox(topic, node_id);
}

// -- reads --------------------------------------------------------------------

entry store_state::lookup(const std::string& key) const {
  entry result;
  result.key = key;
  result.tombstone = true;
  if (auto* x = cfg.map->find(key)) {
    result.version = x->version();
    result.tombstone = x->tombstone();
    if (!x->tombstone())
      result.value = encoded_value(*x);
  }
  return result;
}

version store_state::current_version(const std::string& key) const {
  auto* x = cfg.map->find(key);
  return x != nullptr && !x->tombstone() ? x->version() : version{};
}

// -- local writes -------------------------------------------------------------

caf::expected<write_outcome> store_state::set(std::vector<write_item> items) {
  if (closed)
    return caf::make_error(ec::closed, "set on closed store " + topic);
  pending_release release{*this};
  auto& changes = pending_;
  changes.reserve(items.size());
  for (auto& item : items) {
    event change;
    change.kind = event_kind::set;
    change.key = std::move(item.key);
    change.value = std::move(item.value);
    change.decoded = std::move(item.decoded);
    changes.push_back(std::move(change));
  }
  auto lossy = decode_values(changes);
  if (!lossy)
    return std::move(lossy.error());
  return commit(changes, changes.size(), *lossy);
}

void store_state::release_pending() {
  pending_.clear();
  // A rare huge batch should not pin its buffer for the store's lifetime.
  if (pending_.capacity() > max_pending_kept)
    pending_ = std::vector<event>{};
}

caf::expected<write_outcome>
store_state::erase(const std::vector<std::string>& keys) {
  if (closed)
    return caf::make_error(ec::closed, "erase on closed store " + topic);
  pending_release release{*this};
  auto& changes = pending_;
  changes.resize(keys.size());
  for (size_t i = 0; i < keys.size(); ++i) {
    changes[i].kind = event_kind::erase;
    changes[i].key = keys[i];
  }
  return commit(changes, keys.size(), {});
}

caf::expected<write_outcome> store_state::try_set(write_item item,
                                                  const version& expected) {
  if (closed)
    return caf::make_error(ec::closed, "try_set on closed store " + topic);
  if (current_version(item.key) != expected)
    return caf::make_error(ec::version_mismatch, item.key);
  std::vector<write_item> items;
  items.push_back(std::move(item));
  return set(std::move(items));
}

caf::expected<write_outcome> store_state::try_erase(const std::string& key,
                                                    const version& expected) {
  if (closed)
    return caf::make_error(ec::closed, "try_erase on closed store " + topic);
  if (current_version(key) != expected)
    return caf::make_error(ec::version_mismatch, key);
  return erase({key});
}

caf::error store_state::seed(std::vector<write_item> items) {
  if (closed)
    return caf::make_error(ec::closed, "seed on closed store " + topic);
  if (cfg.map->live_count() + cfg.map->tombstone_count() > 0)
    return caf::make_error(ec::seed_on_non_empty_store, topic);
  std::vector<event> changes;
  changes.reserve(items.size());
  for (auto& item : items)
    changes.push_back(event{event_kind::set,
                            std::move(item.key),
                            std::move(item.value),
                            std::move(item.decoded),
                            {}});
  auto lossy = decode_values(changes);
  if (!lossy)
    return std::move(lossy.error());
  auto timestamp = clock.issue();
  for (size_t i = 0; i < changes.size(); ++i) {
    changes[i].version = version{timestamp, node_id, ++seq, incarnation};
    applied.observe(node_id, incarnation, seq);
    apply(changes[i], nullptr, (*lossy)[i]);
  }
  publish();
  return caf::none;
}

caf::expected<std::vector<bool>>
store_state::decode_values(std::vector<event>& changes) const {
  std::vector<bool> lossy(changes.size(), false);
  for (size_t i = 0; i < changes.size(); ++i) {
    if (!needs_decoding(changes[i]))
      continue;
    auto exact = decode_value(changes[i]);
    if (!exact)
      return std::move(exact.error());
    lossy[i] = !*exact;
  }
  return lossy;
}

namespace {

// Orders (origin, timestamp) pairs, the identity of one write, whether the
// origin is a string or a view of one.
constexpr auto write_order = [](const auto& x, const auto& y) {
  auto x_origin = std::string_view{x.first};
  auto y_origin = std::string_view{y.first};
  return x_origin < y_origin || (x_origin == y_origin && x.second < y.second);
};

// How many of a snapshot's entries are looked up in the map at once.
constexpr size_t snapshot_prefetch_chunk = 256;

} // namespace

std::vector<bool>
store_state::decode_remote_values(std::vector<event>& changes) const {
  std::vector<bool> lossy(changes.size(), false);
  std::vector<std::pair<std::string, int64_t>> failed;
  std::string first_failure;
  for (size_t i = 0; i < changes.size(); ++i) {
    auto& change = changes[i];
    if (!needs_decoding(change))
      continue;
    auto exact = decode_value(change);
    if (!exact) {
      if (failed.empty())
        first_failure = change.key + " from " + change.version.origin;
      failed.emplace_back(change.version.origin, change.version.timestamp);
      continue;
    }
    lossy[i] = !*exact;
  }
  if (failed.empty())
    return lossy;
  std::sort(failed.begin(), failed.end(), write_order);
  failed.erase(std::unique(failed.begin(), failed.end(),
                           [](const auto& x, const auto& y) {
                             return !write_order(x, y) && !write_order(y, x);
                           }),
               failed.end());
  // One report per message: a peer sending many bad values must not flood
  // the error handler.
  report(caf::make_error(ec::decode_failed, "values that do not decode in "
                                              + std::to_string(failed.size())
                                              + " write(s), dropped (first: "
                                              + first_failure + ")"));
  size_t kept = 0;
  for (size_t i = 0; i < changes.size(); ++i) {
    auto write = std::make_pair(std::string_view{changes[i].version.origin},
                                changes[i].version.timestamp);
    if (std::binary_search(failed.begin(), failed.end(), write, write_order))
      continue;
    if (kept != i)
      changes[kept] = std::move(changes[i]);
    lossy[kept] = lossy[i];
    ++kept;
  }
  changes.resize(kept);
  lossy.resize(kept);
  return lossy;
}

bool store_state::needs_decoding(const event& change) {
  return change.kind == event_kind::set && change.decoded == nullptr;
}

caf::expected<bool> store_state::decode_value(event& change) const {
  auto decoded = cfg.values->decode(change.value.data(), change.value.size());
  if (!decoded)
    return caf::make_error(ec::decode_failed, "value of " + change.key);
  change.decoded = std::move(*decoded);
  return round_trips(change);
}

bool store_state::round_trips(const event& change) const {
  auto failed = cfg.values->encode_into(change.decoded.get(), reencoded_);
  return !failed && reencoded_ == change.value;
}

caf::expected<write_outcome>
store_state::commit(std::vector<event>& changes, uint64_t writes,
                    const std::vector<bool>& lossy) {
  // One timestamp for the batch, a seq per item (spec §4).
  auto timestamp = clock.issue();
  for (auto& change : changes) {
    change.version = version{timestamp, node_id, ++seq, incarnation};
    applied.observe(node_id, incarnation, seq);
  }
  write_outcome result;
  if (coalesces_broadcasts())
    for (auto& change : changes)
      broadcasts.add(change);
  else
    result.payload = wire::encode_events(cfg.options.wire, changes);
  result.versions.reserve(changes.size());
  auto* events = event_sink(result.events, changes.size());
  cfg.map->prefetch(changes);
  for (size_t i = 0; i < changes.size(); ++i) {
    auto& change = changes[i];
    // With no watch the change stays here after `apply`, and the reply can
    // take its version instead of a copy.
    if (events != nullptr)
      result.versions.push_back(change.version);
    apply(change, events, i < lossy.size() && lossy[i]);
    if (events == nullptr)
      result.versions.push_back(std::move(change.version));
  }
  detail::counters::add(cfg.counters->writes_local, writes);
  publish();
  return result;
}

// -- replication --------------------------------------------------------------

std::vector<event> store_state::apply_remote(const bytes& payload) {
  pending_release release{*this};
  auto& changes = pending_;
  if (auto err = wire::decode_events(payload.data(), payload.size(), changes)) {
    report(err);
    return {};
  }
  // Our own messages come back from transports that deliver to the sender.
  changes.erase(std::remove_if(changes.begin(), changes.end(),
                               [this](const event& x) {
                                 return x.version.origin == node_id;
                               }),
                changes.end());
  gaps.clear();
  for (auto& x : changes) {
    auto& v = x.version;
    if (v.incarnation == 0 || v.seq == 0) {
      untracked_applied = true;
      continue;
    }
    if (applied.observe(v.origin, v.incarnation, v.seq)
          == version_vector::arrival::gap
        && std::find(gaps.begin(), gaps.end(), v.origin) == gaps.end()) {
      detail::counters::add(cfg.counters->gaps_detected);
      gaps.push_back(v.origin);
    }
  }
  return apply_changes(changes);
}

std::vector<event> store_state::apply_changes(std::vector<event>& changes) {
  if (changes.empty())
    return {};
  auto max_skew = cfg.options.max_clock_skew.count();
  if (max_skew > 0) {
    auto now = clock.wall_now();
    for (auto& change : changes) {
      auto skew = change.version.timestamp - now;
      if (skew > max_skew || -skew > max_skew) {
        report(caf::make_error(ec::clock_skew,
                               "message from " + change.version.origin
                                 + " is off by "
                                 + std::to_string(skew / 1000000) + " ms"));
        break;
      }
    }
  }
  auto lossy = decode_remote_values(changes);
  std::vector<event> result;
  auto* events = event_sink(result, changes.size());
  cfg.map->prefetch(changes);
  for (size_t i = 0; i < changes.size(); ++i)
    apply(changes[i], events, lossy[i]);
  publish();
  return result;
}

uint64_t store_state::merge_snapshot(const bytes& payload,
                                     std::vector<event>& events) {
  auto ours = persisted->load();
  fetched_own_snapshot
    = ours != 0 && !payload.empty() && ours == snapshot_fingerprint(payload);
  if (payload.empty())
    return 0;
  // Our own snapshot, still stored: nothing in it is new to us. (A refresh
  // of a large topic would otherwise decode it all on every resync.)
  if (fetched_own_snapshot)
    return 0;
  std::vector<applied_writes> reflected;
  auto decoded
    = wire::decode_snapshot(payload.data(), payload.size(), &reflected);
  if (!decoded) {
    report(caf::make_error(ec::snapshot_failed, "cannot decode the snapshot of "
                                                  + topic + ": "
                                                  + describe(decoded.error())));
    return 0;
  }
  uint64_t adopted = 0;
  // No room asked for: a refresh's snapshot mostly repeats what we hold, and
  // the values of what it repeats are not even decoded.
  auto* sink = event_sink(events, 0);
  auto& changes = *decoded;
  for (size_t i = 0; i < changes.size(); ++i) {
    // A chunk's lookups at once, as `apply_remote` does for a batch: a
    // chunk the size of a batch, so its paths are still in the cache.
    if (i % snapshot_prefetch_chunk == 0)
      cfg.map->prefetch(caf::span<const event>{
        changes.data() + i,
        std::min(snapshot_prefetch_chunk, changes.size() - i)});
    auto& change = changes[i];
    if (auto order = order_without_merger(change); order >= 0) {
      // As `apply` would have: the origin is known, nothing applied.
      progress_of(change.version.origin);
      clock.observe(change.version.timestamp);
      if (order > 0)
        detail::counters::add(cfg.counters->writes_rejected);
      continue;
    }
    if (change.kind == event_kind::set) {
      auto value = cfg.values->decode(change.value.data(), change.value.size());
      if (!value) {
        report(
          caf::make_error(ec::decode_failed, "snapshot entry " + change.key));
        continue;
      }
      change.decoded = std::move(*value);
    }
    bool lossy = change.kind == event_kind::set && !round_trips(change);
    if (apply(change, sink, lossy))
      ++adopted;
  }
  // Our state now holds the snapshot's: it reflects what the snapshot did.
  adopt(reflected);
  publish();
  return adopted;
}

void store_state::note_broadcast_failure(int64_t timestamp) {
  if (!unbroadcast_since || timestamp < *unbroadcast_since)
    unbroadcast_since = timestamp;
}

std::vector<event> store_state::take_unbroadcast() {
  std::vector<event> result;
  if (!unbroadcast_since)
    return result;
  auto since = *unbroadcast_since;
  unbroadcast_since.reset();
  cfg.map->for_each([&](const record& x) {
    if (x.origin() == node_id && x.timestamp() >= since)
      result.push_back(change_of(x));
  });
  return result;
}

uint64_t store_state::expire(const std::vector<expired_tombstone>& tombstones) {
  uint64_t dropped = 0;
  for (auto& x : tombstones) {
    auto* current = cfg.map->find(x.key);
    if (current != nullptr && current->tombstone()
        && current->compare_version(x.version) == 0) {
      if (current->incarnation() != 0)
        collected.merge({{std::string{current->origin()},
                          current->incarnation(), current->seq()}});
      if (cfg.map->remove(x.key))
        ++dropped;
    }
  }
  if (dropped > 0) {
    detail::counters::add(cfg.counters->tombstones_gced, dropped);
    publish();
  }
  return dropped;
}

// -- revisions and repair -----------------------------------------------------

wire::repair_message store_state::digest(bool ask) const {
  wire::repair_message x;
  x.kind = wire::repair_kind::digest;
  x.from = node_id;
  x.incarnation = incarnation;
  x.applied = applied.entries();
  x.ask = ask;
  return x;
}

wire::repair_message
store_state::answer_repair(const wire::repair_message& request) {
  wire::repair_message x;
  x.kind = wire::repair_kind::full;
  x.from = node_id;
  x.incarnation = incarnation;
  // A join keeps the winner's version, so an entry's version does not
  // name every write its value holds: no difference by versions.
  if (cfg.values->merge)
    return x;
  version_vector theirs;
  theirs.merge(request.applied);
  // A deletion we collected and they never applied cannot be sent.
  if (theirs.behind(collected.entries()))
    return x;
  // Ours before the scan: the entries we send bring them to at least it.
  x.applied = applied.entries();
  std::vector<event> missing;
  size_t size = 0;
  bool too_large = false;
  bool untracked = false;
  cfg.map->for_each([&](const record& r) {
    if (too_large || untracked)
      return;
    // A write without an incarnation (a Go pod's) may supersede one their
    // vector lacks, and no vector tells whether they have it.
    if (r.incarnation() == 0) {
      untracked = true;
      return;
    }
    if (theirs.covers(r.origin(), r.incarnation(), r.seq()))
      return;
    auto change = change_of(r);
    size
      += change.key.size() + change.value.size() + change.version.origin.size();
    too_large = size > max_repair_bytes;
    missing.push_back(std::move(change));
  });
  if (too_large || untracked)
    return x;
  x.kind = wire::repair_kind::answer;
  if (!missing.empty())
    x.changes = wire::encode_events(wire::format::msgpack, missing);
  detail::counters::add(cfg.counters->repairs_answered);
  detail::counters::add(cfg.counters->repair_entries_sent, missing.size());
  return x;
}

std::vector<event>
store_state::apply_repair(const wire::repair_message& answer) {
  std::vector<event> result;
  if (!answer.changes.empty()) {
    pending_release release{*this};
    auto& changes = pending_;
    if (auto err = wire::decode_events(answer.changes.data(),
                                       answer.changes.size(), changes)) {
      report(err);
      return {};
    }
    // Entries of our own life we hold already; those of an earlier life of
    // our node id we take like anyone's.
    changes.erase(std::remove_if(changes.begin(), changes.end(),
                                 [this](const event& x) {
                                   return x.version.origin == node_id
                                          && x.version.incarnation
                                               == incarnation;
                                 }),
                  changes.end());
    result = apply_changes(changes);
  }
  adopt(answer.applied);
  return result;
}

void store_state::adopt(const std::vector<applied_writes>& xs) {
  std::vector<applied_writes> others;
  others.reserve(xs.size());
  for (auto& x : xs)
    if (x.origin != node_id || x.incarnation != incarnation)
      others.push_back(x);
  applied.merge(others);
}

// -- helpers ------------------------------------------------------------------

bool store_state::apply(event& change, std::vector<event>* events,
                        bool keep_bytes) {
  // Before `apply_change`, which may move the change away.
  auto& of_origin = progress_of(change.version.origin);
  auto timestamp = change.version.timestamp;
  if (!apply_change(change, events, keep_bytes))
    return false;
  ++revision;
  of_origin.newest = std::max(of_origin.newest, timestamp);
  ++of_origin.applied;
  return true;
}

origin_progress& store_state::progress_of(const std::string& origin) {
  // Consecutive changes mostly share their origin (a batch, a group).
  if (last_progress_ != nullptr && last_progress_->origin == origin)
    return *last_progress_;
  auto& x = progress_[origin];
  x.origin = origin;
  last_progress_ = &x;
  return x;
}

std::vector<origin_progress> store_state::progress() const {
  std::vector<origin_progress> result;
  result.reserve(progress_.size());
  for (auto& [origin, x] : progress_)
    result.push_back(x);
  return result;
}

bool store_state::apply_change(event& change, std::vector<event>* events,
                               bool keep_bytes) {
  clock.observe(change.version.timestamp);
  auto* current = cfg.map->find(change.key);
  if (current != nullptr) {
    // A duplicate, e.g. from a second path; under a merger, equal versions
    // can carry different joins (a join keeps the winner's version), so
    // those are joined too.
    auto order = current->compare_version(change.version);
    if (order == 0)
      return join_late(*current, change, events);
    if (order > 0) {
      if (join_late(*current, change, events))
        return true;
      detail::counters::add(cfg.counters->writes_rejected);
      return false;
    }
  }
  auto& merge = cfg.values->merge;
  if (change.kind == event_kind::set && merge && current != nullptr
      && !current->tombstone()) {
    // Every replica joins against its own state; the wire keeps the
    // unmerged value.
    change.decoded = merge(current->value(), change.decoded.get());
    if (auto encoded = cfg.values->encode(change.decoded.get()))
      change.value = std::move(*encoded);
    else
      report(encoded.error());
  }
  bool tombstone = change.kind == event_kind::erase;
  // A merged value was encoded from what the replica now holds: its bytes
  // round-trip whatever the incoming ones held.
  bool merged = change.kind == event_kind::set && merge && current != nullptr
                && !current->tombstone();
  // With no watch to hand the change to, a value nobody else holds moves
  // into the replica: one allocation and copy less per write.
  auto transfer = events == nullptr && change.decoded.use_count() == 1
                    ? value_transfer::move
                    : value_transfer::copy;
  cfg.map->put(change.key, change.version,
               tombstone ? nullptr : change.decoded.get(),
               keep_bytes && !merged ? &change.value : nullptr, transfer);
  if (events != nullptr)
    events->push_back(std::move(change));
  detail::counters::add(cfg.counters->writes_applied);
  changed = true;
  return true;
}

int store_state::order_without_merger(const event& change) const {
  if (cfg.values->merge)
    return -1;
  auto* current = cfg.map->find(change.key);
  return current == nullptr ? -1 : current->compare_version(change.version);
}

bool store_state::join_late(const record& current, event& change,
                            std::vector<event>* events) {
  auto& merge = cfg.values->merge;
  if (change.kind != event_kind::set || !merge || current.tombstone()
      || !change.decoded)
    return false;
  auto joined = merge(current.value(), change.decoded.get());
  auto encoded = cfg.values->encode(joined.get());
  if (!encoded) {
    report(encoded.error());
    return false;
  }
  // The join added nothing: a true loser, counted as rejected.
  if (*encoded == encoded_value(current))
    return false;
  auto kept = current.version();
  change.decoded = std::move(joined);
  change.value = std::move(*encoded);
  cfg.map->put(change.key, kept, change.decoded.get());
  if (events != nullptr)
    events->push_back(std::move(change));
  detail::counters::add(cfg.counters->writes_applied);
  changed = true;
  return true;
}

event store_state::change_of(const record& x) const {
  event change;
  change.kind = x.tombstone() ? event_kind::erase : event_kind::set;
  change.key = x.key();
  if (!x.tombstone())
    change.value = encoded_value(x);
  change.version = x.version();
  return change;
}

bytes store_state::encoded_value(const record& x) const {
  if (auto raw = x.raw_value(cfg.values->layout); raw.data != nullptr)
    return {raw.data, raw.data + raw.size};
  auto encoded = cfg.values->encode(x.value());
  if (!encoded) {
    report(encoded.error());
    return {};
  }
  return std::move(*encoded);
}

void store_state::publish() {
  cfg.map->publish(revision);
  // After the map: a reader that reads the revision and then the map sees
  // at least that state.
  detail::counters::set(cfg.counters->revision, revision);
  detail::counters::set(cfg.counters->keys, cfg.map->live_count());
  detail::counters::set(cfg.counters->tombstones, cfg.map->tombstone_count());
}

uint64_t store_state::observe(std::shared_ptr<replica_observer> observer,
                              const std::shared_ptr<const void>& initial) {
  auto id = cfg.map->add_observer(std::move(observer), initial);
  publish();
  return id;
}

void store_state::log(detail::log_level level, const char* event,
                      std::vector<detail::log_field> fields) const {
  if (!cfg.options.logger)
    return;
  fields.insert(fields.begin(), {{"topic", topic}, {"node", node_id}});
  detail::log_event(cfg.options.logger, level, event, fields);
}

void store_state::report(const caf::error& err) const {
  if (cfg.options.logger)
    cfg.options.logger->warn("podshare store {} ({}): {}", topic, node_id,
                             describe(err));
  if (cfg.options.error_handler)
    cfg.options.error_handler(err);
}

bool store_state::mark_dirty() {
  return !dirty->exchange(true);
}

} // namespace podshare::actors
