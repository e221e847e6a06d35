#pragma once

#include "podshare/bytes.hpp"
#include "podshare/entry.hpp"
#include "podshare/event.hpp"
#include "podshare/event_batch.hpp"
#include "podshare/ingest_budget.hpp"
#include "podshare/replica_observer.hpp"
#include "podshare/stats.hpp"
#include "podshare/transport_status.hpp"
#include "podshare/version.hpp"
#include "podshare/version_vector.hpp"
#include "podshare/watch.hpp"
#include "podshare/write_item.hpp"

#include <caf/atom.hpp>
#include <caf/replies_to.hpp>
#include <caf/timespan.hpp>
#include <caf/typed_actor.hpp>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

/// Every actor interface of podshare. Each message starts with an atom.
namespace podshare {

// -- atoms (at most 10 characters) --------------------------------------------

using caf::close_atom;
using caf::flush_atom;
using caf::get_atom;
using caf::ok_atom;
using caf::open_atom;
using caf::publish_atom;
using caf::subscribe_atom;
using caf::tick_atom;
using caf::unsubscribe_atom;

using applied_atom = caf::atom_constant<caf::atom("applied")>;
using cancel_atom = caf::atom_constant<caf::atom("cancel")>;
using digest_atom = caf::atom_constant<caf::atom("digest")>;
using deliver_atom = caf::atom_constant<caf::atom("deliver")>;
using dirty_atom = caf::atom_constant<caf::atom("dirty")>;
using erase_atom = caf::atom_constant<caf::atom("erase")>;
using erase_many_atom = caf::atom_constant<caf::atom("erase_many")>;
using event_atom = caf::atom_constant<caf::atom("event")>;
using expire_atom = caf::atom_constant<caf::atom("expire")>;
using fetch_snap_atom = caf::atom_constant<caf::atom("fetch_snap")>;
using has_snap_atom = caf::atom_constant<caf::atom("has_snap")>;
using inbox_atom = caf::atom_constant<caf::atom("inbox")>;
using late_atom = caf::atom_constant<caf::atom("late")>;
using next_atom = caf::atom_constant<caf::atom("next")>;
using observe_atom = caf::atom_constant<caf::atom("observe")>;
using progress_atom = caf::atom_constant<caf::atom("progress")>;
using refresh_atom = caf::atom_constant<caf::atom("refresh")>;
using repair_atom = caf::atom_constant<caf::atom("repair")>;
using resync_atom = caf::atom_constant<caf::atom("resync")>;
using seed_atom = caf::atom_constant<caf::atom("seed")>;
using set_atom = caf::atom_constant<caf::atom("set")>;
using set_many_atom = caf::atom_constant<caf::atom("set_many")>;
using stats_atom = caf::atom_constant<caf::atom("stats")>;
using store_snap_atom = caf::atom_constant<caf::atom("store_snap")>;
using sync_atom = caf::atom_constant<caf::atom("sync")>;
using try_erase_atom = caf::atom_constant<caf::atom("try_erase")>;
using try_set_atom = caf::atom_constant<caf::atom("try_set")>;
using wait_atom = caf::atom_constant<caf::atom("wait")>;
using watch_atom = caf::atom_constant<caf::atom("watch")>;
using watch_end_atom = caf::atom_constant<caf::atom("watch_end")>;

/// A watch's id, unique within its store.
using watch_id = uint64_t;

// -- subscriber ---------------------------------------------------------------

/// What a transport delivers to: a store, subscribed to its topic.
///
/// ~~~
/// deliver(topic, payload, ticket)   // a message published on the topic
/// resync(topic)                     // messages may have been lost: refresh
/// ~~~
using subscriber_actor = caf::typed_actor<
  // Delivers one wire message (an event or a batch) published on `topic`.
  // The ticket holds the message's share of the transport's ingest budget
  // until the message is handled and destroyed; a subscriber that keeps
  // the payload beyond that need not keep the ticket.
  caf::reacts_to<deliver_atom, std::string, bytes, ingest_ticket>,
  // Tells the store that messages on `topic` may have been lost.
  caf::reacts_to<resync_atom, std::string>>;

// -- transport ----------------------------------------------------------------

/// A transport backend (spec §11). The application owns its lifetime.
///
/// ~~~
/// publish(topic, payload) -> ok            // fan out to every subscriber
/// subscribe(topic, subscriber) -> ok
/// unsubscribe(topic, subscriber)
/// store_snap(topic, payload) -> ok         // persist the latest snapshot
/// fetch_snap(topic) -> payload             // empty: there is none
/// close()                                  // later calls fail
/// ~~~
using transport_actor = caf::typed_actor<
  // Fans `payload` out to every subscriber of `topic`, the sender included.
  caf::replies_to<publish_atom, std::string, bytes>::with<ok_atom>,
  // Adds a subscriber to `topic`.
  caf::replies_to<subscribe_atom, std::string, subscriber_actor>::with<ok_atom>,
  // Removes a subscriber from `topic`.
  caf::reacts_to<unsubscribe_atom, std::string, subscriber_actor>,
  // Stores the latest snapshot of `topic`, replacing the previous one. One
  // sender's snapshots of a topic each hold every entry of its previous one
  // at an equal or greater version (a snapshotter's do: its replica only
  // moves forward), so a transport that joins snapshots (Redis) may replace
  // a sender's own stored snapshot without decoding it. Except by design:
  // tombstones past their TTL, and values the codec fails to encode (left
  // out and reported as `encode_failed`), leave with that replacement.
  caf::replies_to<store_snap_atom, std::string, bytes>::with<ok_atom>,
  // Fetches the latest snapshot of `topic`; empty bytes when there is none.
  caf::replies_to<fetch_snap_atom, std::string>::with<bytes>,
  // Closes the transport: later calls fail with `transport_closed`.
  caf::reacts_to<close_atom>>;

/// A transport that tells about itself. Every podshare transport is one: a
/// `transport_actor` of ours can be `actor_cast` to it; one of your own that
/// is not answers the request with an error.
///
/// ~~~
/// stats() -> status
/// ~~~
using transport_status_actor = caf::typed_actor<
  // Reads the transport's state and counters.
  caf::replies_to<stats_atom>::with<transport_status>>;

/// A transport that tells when what was published has reached its peers.
/// Every podshare transport is one: the memory transport and Redis answer
/// at once (a publish is answered once delivered, or once Redis took it),
/// p2p once every connected peer acknowledged everything published before
/// the request.
///
/// ~~~
/// sync() -> ok
/// ~~~
using transport_sync_actor = caf::typed_actor<
  // Waits until what was published before has been acknowledged.
  caf::replies_to<sync_atom>::with<ok_atom>>;

/// A transport that tells whether it holds a stored snapshot of a topic,
/// without sending it: how a store learns after a resync that a restarted
/// Redis lost the snapshot. Every podshare transport is one; a store whose
/// transport is not persists its snapshot after every resync.
///
/// ~~~
/// has_snap(topic) -> bool
/// ~~~
using transport_snapshot_probe_actor = caf::typed_actor<
  // Whether a snapshot of `topic` is stored.
  caf::replies_to<has_snap_atom, std::string>::with<bool>>;

/// A transport that delivers to an inbox: a topic meant to have one
/// subscriber, such as a callreply pod's. Every podshare transport is one
/// (p2p sends it to the subscribed peers alone); a transport of your own
/// that is not answers `unexpected_message`, and callers fall back to
/// `publish`.
///
/// ~~~
/// inbox(topic, payload) -> receivers     // 0: nobody listens on the topic
/// ~~~
using transport_inbox_actor = caf::typed_actor<
  // Publishes `payload` on `topic` and answers how many subscribers got it.
  caf::replies_to<inbox_atom, std::string, bytes>::with<uint64_t>>;

// -- watcher ------------------------------------------------------------------

/// An actor that watches a store.
///
/// ~~~
/// event(id, events)      // a request: the registry counts unanswered ones
///                        // as the watcher's buffer
/// watch_end(id, why)     // the stream ended; no events follow
/// ~~~
using watcher_actor = caf::typed_actor<
  // Events in apply order; answering it frees buffer space.
  caf::reacts_to<event_atom, watch_id, event_batch>,
  // The end of the stream.
  caf::reacts_to<watch_end_atom, watch_id, watch_end>>;

// -- store --------------------------------------------------------------------

/// The store of one topic: the only writer of its replica. Local readers
/// read the replica directly; these messages serve actors, here or remote.
///
/// ~~~
/// open() -> ok                          // once hydrated from the snapshot
/// close(timeout) -> ok                  // flush; end watches; refuse writes
/// get(key) -> entry                     // tombstone + absent version if none
/// stats() -> stats
/// progress() -> origins                 // per origin: newest applied write
/// set(item) -> version
/// erase(key) -> version
/// set_many(items) -> versions           // all or nothing
/// erase_many(keys) -> versions
/// seed(items) -> ok                     // empty store only; no events
/// try_set(item, expected) -> version    // version_mismatch otherwise
/// try_erase(key, expected) -> version    // version_mismatch otherwise
/// refresh() -> adopted entries
/// applied() -> version vector           // what this store has applied
/// wait(token, timeout) -> ok            // once the write is applied here
/// wait(revision, timeout) -> revision   // once the local revision is there
/// next(timeout) -> revision             // once the next change is applied
/// watch(filter, watcher) -> id
/// watch(filter, queue) -> id            // a blocking watcher (local only)
/// observe(observer, initial) -> id      // derived state (local only)
/// cancel(id)
/// deliver(topic, payload, ticket)       // from the transport
/// resync(topic)                         // from the transport
/// expire(tombstones)                    // from the GC and the snapshotter
/// tick()                                // its own timer: broadcast deadlines
/// late(id)                              // its own timer: a wait times out
/// digest()                              // its own timer: anti-entropy
/// repair(peer, id)                      // its own timer: a repair timed out
/// resync(digests)                       // its own timer: a peer answered?
/// ~~~
using store_actor = caf::typed_actor<
  // Answers once the store has loaded the transport's snapshot.
  caf::replies_to<open_atom>::with<ok_atom>,
  // Closes the store, flushing a final snapshot within the timeout.
  caf::replies_to<close_atom, caf::timespan>::with<ok_atom>,
  // Reads one entry.
  caf::replies_to<get_atom, std::string>::with<entry>,
  // Reads the counters.
  caf::replies_to<stats_atom>::with<stats>,
  // Reads, per origin, the newest write applied and how many were.
  caf::replies_to<progress_atom>::with<std::vector<origin_progress>>,
  // Writes one value.
  caf::replies_to<set_atom, write_item>::with<version>,
  // Deletes one key.
  caf::replies_to<erase_atom, std::string>::with<version>,
  // Writes a batch, atomically.
  caf::replies_to<set_many_atom,
                  std::vector<write_item>>::with<std::vector<version>>,
  // Deletes a batch of keys, atomically.
  caf::replies_to<erase_many_atom,
                  std::vector<std::string>>::with<std::vector<version>>,
  // Hydrates an empty store: no broadcast, no events.
  caf::replies_to<seed_atom, std::vector<write_item>>::with<ok_atom>,
  // Writes only if the key's version equals the expected one.
  caf::replies_to<try_set_atom, write_item, version>::with<version>,
  // Deletes only if the key's version equals the expected one.
  caf::replies_to<try_erase_atom, std::string, version>::with<version>,
  // Merges the transport's snapshot; answers how many entries it adopted.
  caf::replies_to<refresh_atom>::with<uint64_t>,
  // Reads the version vector: per writer incarnation, what is applied.
  caf::replies_to<applied_atom>::with<std::vector<applied_writes>>,
  // Answers once the write the token names is applied here (or superseded
  // by what is); `timeout` otherwise.
  caf::replies_to<wait_atom, write_token, caf::timespan>::with<ok_atom>,
  // Answers the revision once the local revision reaches the given one.
  caf::replies_to<wait_atom, uint64_t, caf::timespan>::with<uint64_t>,
  // Answers the revision once the next change is applied.
  caf::replies_to<next_atom, caf::timespan>::with<uint64_t>,
  // Adds an actor watcher.
  caf::replies_to<watch_atom, watch_filter, watcher_actor>::with<watch_id>,
  // Adds a blocking watcher.
  caf::replies_to<watch_atom, watch_filter,
                  std::shared_ptr<watch_queue>>::with<watch_id>,
  // Adds an observer that folds every batch into derived state published
  // beside the map; answers its id for replica::view::derived.
  caf::replies_to<observe_atom, std::shared_ptr<replica_observer>,
                  std::shared_ptr<const void>>::with<uint64_t>,
  // Ends a watch.
  caf::reacts_to<cancel_atom, watch_id>,
  // Applies a message from the transport.
  caf::reacts_to<deliver_atom, std::string, bytes, ingest_ticket>,
  // Refreshes after the transport may have lost messages.
  caf::reacts_to<resync_atom, std::string>,
  // Drops tombstones past their TTL, if unchanged since reported.
  caf::reacts_to<expire_atom, std::vector<expired_tombstone>>,
  // Fails the broadcasts the transport left unanswered past their deadline.
  caf::reacts_to<tick_atom>,
  // Ends a wait whose timeout passed.
  caf::reacts_to<late_atom, uint64_t>,
  // Sends the periodic digest.
  caf::reacts_to<digest_atom>,
  // Gives up on a repair request that the peer did not answer.
  caf::reacts_to<repair_atom, std::string, uint64_t>,
  // Checks that a peer answered the digest sent after a resync.
  caf::reacts_to<resync_atom, uint64_t>>;

// -- helpers of a store -------------------------------------------------------

/// Fans a store's events out to its watchers.
///
/// ~~~
/// event(events)                     // from the store, in apply order
/// watch(id, filter, watcher|queue)
/// cancel(id)
/// close() -> ok                     // end every watch, then exit
/// ~~~
using watcher_registry_actor = caf::typed_actor<
  // Events in apply order.
  caf::reacts_to<event_atom, std::vector<event>>,
  // Registers an actor watcher.
  caf::reacts_to<watch_atom, watch_id, watch_filter, watcher_actor>,
  // Registers a blocking watcher.
  caf::reacts_to<watch_atom, watch_id, watch_filter,
                 std::shared_ptr<watch_queue>>,
  // Ends one watch.
  caf::reacts_to<cancel_atom, watch_id>,
  // Ends every watch and exits: the store closed.
  caf::replies_to<close_atom>::with<ok_atom>>;

/// Persists a store's snapshots, debounced.
///
/// ~~~
/// dirty()          // the replica changed
/// tick()           // its own debounce timer
/// flush() -> ok    // persist now if dirty (close)
/// ~~~
using snapshotter_actor = caf::typed_actor<
  // The replica changed: persist within one snapshot interval.
  caf::reacts_to<dirty_atom>,
  // The debounce interval passed.
  caf::reacts_to<tick_atom>,
  // Persists now if anything changed since the last snapshot.
  caf::replies_to<flush_atom>::with<ok_atom>>;

/// Sweeps a store's expired tombstones.
///
/// ~~~
/// tick()   // its own timer: scan and report expired tombstones
/// ~~~
using gc_actor = caf::typed_actor<
  // The GC interval passed.
  caf::reacts_to<tick_atom>>;

} // namespace podshare
