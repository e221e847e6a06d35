#pragma once

#include "podshare/codec.hpp"
#include "podshare/coord/counter_value.hpp"
#include "podshare/coord/membership.hpp"
#include "podshare/interfaces.hpp"
#include "podshare/options.hpp"
#include "podshare/store.hpp"

#include <caf/actor_system.hpp>

#include <nlohmann/json.hpp>

#include <map>
#include <memory>
#include <mutex>
#include <string>

namespace podshare::coord {

/// The topic counters share unless told another.
constexpr const char* default_counters_topic = "podshare:counters";

struct counters_options {
  std::string topic = default_counters_topic;
  /// The slot this instance writes; empty: this process's generation. Two
  /// instances that write the same slot at once lose counts: one instance
  /// per process and topic, or a fresh generation each.
  std::string writer;
  /// How long folds are remembered (see counter_value.hpp).
  caf::timespan horizon = std::chrono::hours{24};
  /// With `true`, an increment returns only once every connected peer
  /// acknowledged it (a transport without acknowledgements answers at
  /// once); otherwise once the transport took it.
  bool wait_for_peers = true;
  podshare::options store;
};

/// PN-counters that survive crashes and the loss of a pod's data: every
/// process writes its running totals into a slot of its own, named by its
/// generation, so a restarted process, with its disk or without, never
/// collides with its previous life, and its old slots come back from the
/// peers. A counter's value is the sum over its slots; storage grows with
/// writers and restarts, never with increments, and `fold` shrinks it.
class counters {
public:
  using json_store = store<nlohmann::json, json_codec<nlohmann::json>>;

  static caf::expected<std::unique_ptr<counters>>
  open(caf::actor_system& sys, transport_actor transport,
       counters_options opts = {});

  /// Adds `by` to `key`; returns the value this pod then reads. Fails with
  /// `broadcast_failed` when it counted here but the peers did not
  /// acknowledge it (it reaches them with this writer's next write of
  /// `key` or a resync): do not retry that. Any other error: it did not
  /// count (a timeout may leave it undecided).
  caf::expected<int64_t> incr(const std::string& key, uint64_t by = 1);

  /// Subtracts `by` from `key`; returns the value this pod then reads.
  caf::expected<int64_t> decr(const std::string& key, uint64_t by = 1);

  /// The value this pod reads: may be negative.
  int64_t value(const std::string& key) const;

  /// The value clamped at zero, for counts that cannot go below it.
  uint64_t clamped(const std::string& key) const;

  /// Slots held for `key`: what the counter costs to store.
  size_t slots(const std::string& key) const;

  /// Folds the slots of dead writers into this writer's slot, for the
  /// counters whose partition `members` holds: a slot is dead when no live
  /// member heartbeats its generation and it was last written more than
  /// `quarantine` ago. Returns how many slots were folded.
  caf::expected<uint64_t> fold(const membership& members,
                               caf::timespan quarantine);

  const std::string& writer() const { return writer_; }

  json_store& underlying() { return store_; }

  caf::error close();

private:
  counters(caf::actor_system& sys, json_store store, transport_actor transport,
           counters_options opts, std::string writer);

  caf::expected<int64_t> add(const std::string& key, uint64_t incr,
                             uint64_t decr);
  caf::error write(const std::string& key, const nlohmann::json& value);
  /// `writer_folded` when another pod folded this writer's slot of `key`.
  caf::error check_not_folded(const std::string& key) const;
  /// This writer's running totals of `key` (mtx_ held).
  counter_value::slot& totals_of(const std::string& key);
  /// After a failed write: the totals become what the replica holds.
  void reload_totals(const std::string& key);
  int64_t now_ms() const;

  caf::actor_system* sys_;
  json_store store_;
  transport_actor transport_;
  counters_options opts_;
  std::string writer_;
  std::mutex mtx_;
  /// This writer's running totals.
  std::map<std::string, counter_value::slot> totals_;
};

} // namespace podshare::coord
