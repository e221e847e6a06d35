#pragma once

#include "podshare/interfaces.hpp"
#include "podshare/net/redis/connection.hpp"
#include "podshare/net/redis/options.hpp"
#include "podshare/net/redis/resp.hpp"
#include "podshare/net/subscriber_table.hpp"

#include <caf/actor_addr.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/typed_response_promise.hpp>

#include <deque>
#include <functional>
#include <memory>
#include <random>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

namespace podshare::net::redis {

using deadline_atom = caf::atom_constant<caf::atom("r_deadline")>;
using merge_atom = caf::atom_constant<caf::atom("r_merge")>;
using reconnect_atom = caf::atom_constant<caf::atom("r_retry")>;
using settle_atom = caf::atom_constant<caf::atom("r_settle")>;

/// Joins snapshots off the transport's mailbox (`merge_snapshots`).
using merger_actor
  = caf::typed_actor<caf::replies_to<merge_atom, bytes, bytes>::with<bytes>>;

/// The Redis transport: the public interface, plus what its connections and
/// its own timers send it.
using transport_actor_impl
  = transport_actor::extend_with<transport_status_actor>::extend_with<
    transport_sync_actor>::extend_with<transport_inbox_actor>::
    extend_with<transport_snapshot_probe_actor>::extend<
      // Answers once connected, or with the reason it could not connect.
      caf::replies_to<open_atom>::with<ok_atom>,
      // Hands what the commands accumulated to the connections.
      caf::reacts_to<flush_atom>,
      // Connection attempt `generation` ran out of time.
      caf::reacts_to<deadline_atom, uint64_t>,
      // The backoff after a lost connection `generation` passed.
      caf::reacts_to<reconnect_atom, uint64_t>,
      // The periodic refresh of every topic is due.
      caf::reacts_to<tick_atom>,
      // The second refresh after a reconnect is due for `topic`.
      caf::reacts_to<settle_atom, std::string, uint64_t>,
      // The settling refresh of a store that subscribed to `topic`.
      caf::reacts_to<settle_atom, std::string,
                     caf::actor_addr>>::extend_with<connection_listener>;

/// Called with each reply of a command, in order; when the connection is
/// lost first, with an error reply.
using reply_handler = std::function<void(reply&)>;

/// One of the two connections: commands, or the pub/sub subscription.
struct link {
  caf::actor pipe;
  uint64_t tag = 0;
  std::unique_ptr<reply_reader> reader;
  std::deque<reply_handler> pending;
  bytes outbox;
  bool ready = false;

  /// Queues a command whose reply goes to `on_reply`.
  void command(std::initializer_list<std::string_view> args,
               reply_handler on_reply);
};

/// The subscription state of a topic with local subscribers.
struct topic_entry {
  /// Subscribe requests waiting for Redis to confirm the subscription.
  std::vector<caf::typed_response_promise<ok_atom>> waiting;
  /// SUBSCRIBE was sent on the current connection.
  bool requested = false;
  /// Redis confirmed the subscription on the current connection.
  bool subscribed = false;
  /// The subscription is a resubscription: refresh the stores once it
  /// is confirmed.
  bool resync_on_confirm = false;
};

/// A snapshot waiting to be stored with WATCH / GET / MULTI / SET / EXEC.
struct snapshot_job {
  std::string topic;
  bytes payload;
  /// The snapshotter that built `payload`.
  caf::actor_addr writer;
  caf::typed_response_promise<ok_atom> promise;
  int attempts = 0;
};

struct transport_state {
  static inline const char* name = "podshare.redis_transport";

  enum class phase { connecting, up, down, failed, closed };

  /// Logs `err` and hands it to the error handler.
  void report(const caf::error& err) const;

  /// The next reconnect delay: capped exponential backoff with jitter.
  caf::timespan next_backoff();

  /// The connection that `tag` names, if it is a current one.
  link* link_of(uint64_t tag);

  redis_options opts;
  phase now = phase::connecting;
  /// Bumped whenever a connection attempt starts or ends: a reply, timer or
  /// connection of an older generation is ignored.
  uint64_t generation = 0;
  bool ever_up = false;
  unsigned failures = 0;
  /// For `transport_status`.
  uint64_t reconnects = 0;
  uint64_t publish_failures = 0;
  uint64_t snapshot_fetches = 0;
  uint64_t snapshot_fetch_ns = 0;
  /// What the subscription has read and the stores not yet handled.
  std::shared_ptr<ingest_budget> ingest;

  /// What `stats()` answers.
  transport_status status() const;
  /// Why the first connection failed.
  caf::error open_error;
  link commands;
  link subscription;
  bool flush_scheduled = false;
  subscriber_table subscribers;
  std::unordered_map<std::string, topic_entry> topics;
  std::unordered_map<std::string, std::string> channel_topics;
  /// Counts an UNSUBSCRIBE sent for `channel`, and its confirmation. Until
  /// every one sent is confirmed (a topic dropped, taken again and dropped
  /// again sends two), what arrives on the channel is dropped without a
  /// word.
  void unsubscribing(const std::string& channel);
  void unsubscribed(const std::string& channel);
  bool leaving(const std::string& channel) const;
  /// Per channel, UNSUBSCRIBEs not confirmed yet.
  std::unordered_map<std::string, size_t> leaving_channels;
  std::vector<caf::typed_response_promise<ok_atom>> opening;
  std::deque<snapshot_job> snapshot_jobs;
  /// Per topic, the snapshot a snapshotter last stored as it built it (not
  /// a merge). While the key still holds those bytes, that snapshotter's
  /// next snapshot contains every entry of them (its replica only moves
  /// forward) and replaces them without decoding either: the merge is for
  /// snapshots a peer stored meanwhile.
  std::unordered_map<std::string, std::pair<caf::actor_addr, uint64_t>>
    own_snapshots;
  bool job_running = false;
  uint64_t job_id = 0;
  merger_actor merger;
  std::minstd_rand rng{std::random_device{}()};
};

transport_actor_impl::behavior_type
transport(transport_actor_impl::stateful_pointer<transport_state> self,
          redis_options opts);

} // namespace podshare::net::redis
