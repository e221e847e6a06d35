#pragma once

#include "podshare/actors/broadcast_queue.hpp"
#include "podshare/actors/publish_deadlines.hpp"
#include "podshare/actors/state_waiters.hpp"
#include "podshare/actors/store_config.hpp"
#include "podshare/detail/log_event.hpp"
#include "podshare/hybrid_clock.hpp"
#include "podshare/interfaces.hpp"
#include "podshare/repair_message.hpp"
#include "podshare/version_vector.hpp"

#include <caf/error.hpp>
#include <caf/expected.hpp>
#include <caf/stateful_actor.hpp>

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

namespace podshare::actors {

/// What a write did: the events to hand to watchers and the wire message to
/// broadcast. The message is empty when the changes went to the store's
/// broadcast queue instead (msgpack wire).
struct write_outcome {
  std::vector<event> events;
  bytes payload;
  std::vector<version> versions;
};

/// The state of a store actor: the only writer of the topic's replica. Its
/// member functions hold the logic and touch no scheduler; the behavior
/// sends what they return.
struct store_state {
  static inline const char* name = "podshare.store";

  /// Takes the configuration; called once, before the behavior runs.
  void init(store_config config);

  // -- reads ----------------------------------------------------------------

  /// The entry of `key`; a tombstone with the absent version when missing.
  entry lookup(const std::string& key) const;

  /// The version `try_set` and `try_erase` compare with: absent for missing or
  /// deleted keys.
  version current_version(const std::string& key) const;

  // -- local writes ---------------------------------------------------------

  /// Stamps, applies and publishes a batch of sets (one item is a batch of
  /// one). Every value is decoded before any is applied.
  caf::expected<write_outcome> set(std::vector<write_item> items);

  /// Writes tombstones for `keys`, known or not.
  caf::expected<write_outcome> erase(const std::vector<std::string>& keys);

  /// Writes `item` only if the key's version equals `expected`.
  caf::expected<write_outcome> try_set(write_item item,
                                       const version& expected);

  /// Deletes `key` only if its version equals `expected`.
  caf::expected<write_outcome> try_erase(const std::string& key,
                                         const version& expected);

  /// Hydrates an empty store: no events, no broadcast.
  caf::error seed(std::vector<write_item> items);

  // -- replication ----------------------------------------------------------

  /// Applies a wire message from the transport; returns the events of the
  /// entries that changed. Reports what it drops.
  std::vector<event> apply_remote(const bytes& payload);

  /// Notes that the broadcast of a local write stamped `timestamp` failed:
  /// peers may not have it until `take_unbroadcast` hands it out again.
  void note_broadcast_failure(int64_t timestamp);

  /// Our own entries stamped at or after the earliest failed broadcast (a
  /// deletion as an erase event), for republishing after a resync; empty
  /// when every broadcast went through. One scan, only after a failure.
  std::vector<event> take_unbroadcast();

  /// Merges a snapshot under last-write-wins; returns how many entries it
  /// adopted and adds their events to `events` while a watch is active.
  /// Reports entries it cannot decode.
  uint64_t merge_snapshot(const bytes& payload, std::vector<event>& events);

  /// Drops the tombstones that still carry the reported version.
  uint64_t expire(const std::vector<expired_tombstone>& tombstones);

  // -- revisions and repair (docs/architecture.md) --------------------------

  /// What this store has applied, as a digest for its peers.
  wire::repair_message digest(bool ask) const;

  /// Answers a peer's repair request: the entries its version vector does
  /// not cover, or `full` when the difference cannot be computed (a
  /// tombstone it lacks was collected; a merger, whose joins keep the
  /// winner's version; an entry without an incarnation) or exceeds
  /// `max_repair_bytes`.
  wire::repair_message answer_repair(const wire::repair_message& request);

  /// Applies a peer's repair answer, then adopts its version vector;
  /// returns the events of the entries that changed.
  std::vector<event> apply_repair(const wire::repair_message& answer);

  /// Raises the version vector to `xs`, what a state merged in reflects;
  /// except for this store's own life, of which it alone knows.
  void adopt(const std::vector<applied_writes>& xs);

  /// Answers the waits that the state now satisfies.
  void settle_waiters() { waiters.settle(applied, revision); }

  /// The largest repair answer sent; beyond, the peer loads a snapshot.
  static constexpr size_t max_repair_bytes = size_t{1} << 20;

  // -- helpers --------------------------------------------------------------

  /// Applies one change under last-write-wins; returns whether the entry
  /// changed. The applied change (with a merger, its merged value) moves to
  /// `events` for the watchers, if given; otherwise it stays in `change`.
  /// `keep_bytes`: the replica keeps `change.value` beside the decoded value
  /// because re-encoding would not give those bytes back. Counts what it
  /// applied in `progress`.
  bool apply(event& change, std::vector<event>* events,
             bool keep_bytes = false);

  /// How far this store has come with each origin's writes.
  std::vector<origin_progress> progress() const;

  /// With a merger, joins a set that lost last-write-wins into the live
  /// value it lost to, under that value's version; returns whether the value
  /// changed. Without this the replica whose write won would never hold the
  /// loser's content, and concurrent writers under a join would diverge.
  bool join_late(const record& current, event& change,
                 std::vector<event>* events);

  /// A record as the change that would write it again (a deletion as an
  /// erase), for a republish or a repair answer.
  event change_of(const record& x) const;

  /// The encoded form of a live record's value: the bytes it keeps, or its
  /// value encoded again; reports and returns empty bytes if the codec
  /// fails.
  bytes encoded_value(const record& x) const;

  /// Where applied changes go: nowhere while no watch is active, which saves
  /// a copy of every change and a message per write; else `events`, with
  /// room for `expected` more.
  std::vector<event>* event_sink(std::vector<event>& events,
                                 size_t expected) const {
    if (watches_opened <= watches_ended->load())
      return nullptr;
    events.reserve(events.size() + expected);
    return &events;
  }

  /// Makes staged changes visible and refreshes the gauges.
  void publish();

  /// Adds an observer of the replica and publishes its first state;
  /// returns its id.
  uint64_t observe(std::shared_ptr<replica_observer> observer,
                   const std::shared_ptr<const void>& initial);

  /// Hands a non-fatal error to the error handler and the log.
  void report(const caf::error& err) const;

  /// Logs a lifecycle event with the topic and node id (log_event.hpp).
  void log(detail::log_level level, const char* event,
           std::vector<detail::log_field> fields) const;

  /// Marks the replica dirty; returns whether the snapshotter needs a wake-up.
  bool mark_dirty();

  store_config cfg;
  std::string topic;
  std::string node_id;
  hybrid_clock clock{system_wall_clock()};
  uint64_t seq = 0;
  bool closed = false;
  /// Whether an entry changed since the snapshotter was last told.
  bool changed = false;
  /// Whether the snapshot has been loaded and `open` may answer.
  bool ready = false;
  watch_id next_watch_id = 1;
  /// The timestamp of the earliest local write whose broadcast failed and
  /// that no republish has covered yet.
  std::optional<int64_t> unbroadcast_since;
  /// Watches handed to the registry; `watches_ended` counts those it ended.
  uint64_t watches_opened = 0;
  std::shared_ptr<std::atomic<uint64_t>> watches_ended
    = std::make_shared<std::atomic<uint64_t>>(0);
  /// Set by the store, cleared by the snapshotter when it takes a snapshot.
  std::shared_ptr<std::atomic<bool>> dirty;
  /// The fingerprint of the snapshot the snapshotter stored last: a fetched
  /// snapshot that has it holds nothing the replica lacks.
  std::shared_ptr<std::atomic<uint64_t>> persisted
    = std::make_shared<std::atomic<uint64_t>>(0);
  /// Whether the snapshot merged last was that one.
  bool fetched_own_snapshot = false;
  /// The deadlines of broadcasts the transport has not answered yet.
  publish_deadlines deadlines;

  /// This opening of the store: random, never zero (version::incarnation).
  uint64_t incarnation = 0;
  /// Changes applied since the store opened, local and remote.
  uint64_t revision = 0;
  /// Per writer incarnation, what this store has applied.
  version_vector applied;
  /// Per writer incarnation, the newest seq of a tombstone this store
  /// dropped: a peer that has not applied it cannot be repaired by
  /// difference, since the deletion is no longer here to send.
  version_vector collected;
  /// Writers whose messages the last `apply_remote` found a gap in.
  std::vector<std::string> gaps;
  /// Whether writes without an incarnation (from the Go podshare) were
  /// applied: only a whole snapshot repairs those.
  bool untracked_applied = false;
  /// Requests waiting for a write, a revision or the next change.
  state_waiters waiters;
  /// Repair requests sent and not answered yet: peer -> request id.
  std::unordered_map<std::string, uint64_t> repairs_pending;
  uint64_t next_repair_id = 1;
  /// Digests received from peers, to tell whether any answered a resync.
  uint64_t digests_heard = 0;
  /// Whether the periodic digest is scheduled, and the revision the last
  /// one was sent at.
  bool digest_armed = false;
  uint64_t revision_digested = 0;
  /// The topics of the repair protocol: shared digests, our inbox.
  std::string repair_topic;
  std::string repair_inbox;

  /// Local writes waiting for the broadcast in flight (msgpack wire).
  broadcast_queue broadcasts;

  /// Runs once no broadcast is pending: a closed store exits only then, so
  /// that every write hears how its broadcast went.
  std::function<void()> on_broadcasts_settled;

  /// Whether local writes join the broadcast queue: only with msgpack on
  /// the wire, since a JSON batch would reach Go peers that cannot read it.
  bool coalesces_broadcasts() const {
    return cfg.options.wire == wire::format::msgpack;
  }
  watcher_registry_actor registry;
  snapshotter_actor snapshotter;
  gc_actor gc;

private:
  // Decodes the values of sets that came without one (from the wire or a
  // CAF client); returns, per change, whether its bytes hold more than
  // re-encoding its decoded value gives back (a field unknown to our type).
  caf::expected<std::vector<bool>>
  decode_values(std::vector<event>& changes) const;

  // Decodes the values of changes from a peer. A message may carry several
  // writes (group commit), each all its changes sharing one origin and
  // timestamp (spec §4): a value that does not decode drops its own write,
  // whole, and the others apply; one report per message names how many
  // writes were dropped. Returns what `decode_values` does, for the changes
  // that stay.
  std::vector<bool> decode_remote_values(std::vector<event>& changes) const;

  // How what the replica holds for `change.key` compares with `change`, as
  // `record::compare_version` (zero: a duplicate; positive: ours is newer);
  // negative also when the key is new or a merger joins every change.
  int order_without_merger(const event& change) const;

  // Applies `changes` from a peer (decoded, own writes removed): reports
  // clock skew, decodes values, applies under last-write-wins.
  std::vector<event> apply_changes(std::vector<event>& changes);

  // `apply` without the progress count.
  bool apply_change(event& change, std::vector<event>* events, bool keep_bytes);

  // The progress entry of `origin`, made on first use.
  origin_progress& progress_of(const std::string& origin);

  // Per origin, what `apply` applied; `last_progress_` is the entry used
  // last (elements of an unordered_map keep their address).
  std::unordered_map<std::string, origin_progress> progress_;
  origin_progress* last_progress_ = nullptr;

  // Whether `change` is a set whose value is not decoded yet.
  static bool needs_decoding(const event& change);

  // Decodes `change.value` into `change.decoded`; returns whether encoding
  // it again gives the same bytes.
  caf::expected<bool> decode_value(event& change) const;

  // Whether re-encoding the decoded value of a set gives its bytes back.
  bool round_trips(const event& change) const;

  // Stamps, applies and publishes `changes`, moving from them.
  caf::expected<write_outcome> commit(std::vector<event>& changes,
                                      uint64_t writes,
                                      const std::vector<bool>& lossy);

  // Empties `pending_` for the next write.
  void release_pending();

  // Empties `pending_` when the write that filled it ends, however it ends.
  struct pending_release {
    store_state& st;
    ~pending_release() { st.release_pending(); }
  };

  // The changes of the write being applied, local or from a peer. Kept
  // between writes: a buffer the size of each batch, allocated and freed
  // every time, sent glibc's allocator through a consolidation of its free
  // lists per batch.
  std::vector<event> pending_;

  // The most changes whose buffer `pending_` keeps after a write.
  static constexpr size_t max_pending_kept = 4096;

  // Where `round_trips` encodes each value again, kept so that checking a
  // batch allocates once rather than per value.
  mutable bytes reencoded_;
};

/// The store actor of one topic.
store_actor::behavior_type
store(store_actor::stateful_pointer<store_state> self, store_config cfg);

} // namespace podshare::actors
