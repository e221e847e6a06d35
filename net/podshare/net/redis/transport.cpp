#include "podshare/net/redis/transport.hpp"

#include "podshare/detail/log_event.hpp"
#include "podshare/error.hpp"
#include "podshare/net/backoff.hpp"
#include "podshare/net/redis/snapshot_merge.hpp"
#include "podshare/snapshot_fingerprint.hpp"

#include <caf/actor_cast.hpp>
#include <caf/send.hpp>
#include <caf/typed_event_based_actor.hpp>

#include <algorithm>
#include <optional>

namespace podshare::net::redis {

namespace {

using self_pointer = transport_actor_impl::stateful_pointer<transport_state>;
using phase = transport_state::phase;

constexpr int max_snapshot_attempts = 10;

caf::error failure(std::string what) {
  return caf::make_error(ec::transport_failed, "redis: " + std::move(what));
}

caf::error error_of(const reply& x) {
  return failure(x.str);
}

// -- writing ------------------------------------------------------------------

// Writes what the links accumulated once the mailbox holds no more commands
// to add: one socket write for many commands.
void schedule_flush(self_pointer self) {
  if (!self->state.flush_scheduled) {
    self->state.flush_scheduled = true;
    self->send(self, flush_atom::value);
  }
}

void flush(self_pointer self) {
  auto& st = self->state;
  st.flush_scheduled = false;
  for (auto* x : {&st.commands, &st.subscription}) {
    if (x->pipe && !x->outbox.empty()) {
      caf::anon_send(x->pipe, write_atom::value, std::move(x->outbox));
      x->outbox.clear();
    }
  }
}

// -- subscribers --------------------------------------------------------------

void resync(self_pointer self, const std::string& topic) {
  self->state.subscribers.resync(self, topic);
}

void send_subscribe(self_pointer self, const std::string& topic,
                    topic_entry& entry) {
  entry.requested = true;
  auto& link = self->state.subscription;
  // The confirmation arrives as a push message, not as a reply.
  append_command(link.outbox, {"SUBSCRIBE", self->state.opts.channel(topic)});
  schedule_flush(self);
}

// Drops a topic nobody here subscribes to any more.
void drop_topic(self_pointer self, const std::string& topic) {
  auto& st = self->state;
  auto i = st.topics.find(topic);
  if (i == st.topics.end())
    return;
  auto channel = st.opts.channel(topic);
  if (i->second.requested && st.now == phase::up) {
    append_command(st.subscription.outbox, {"UNSUBSCRIBE", channel});
    schedule_flush(self);
    st.unsubscribing(channel);
  }
  for (auto& promise : i->second.waiting)
    promise.deliver(failure("unsubscribed before the subscription stood"));
  st.channel_topics.erase(channel);
  st.topics.erase(i);
}

// Removes `who` from `topic`, or from every topic when `topic` is null.
void unsubscribe(self_pointer self, const caf::actor_addr& who,
                 const std::string* topic) {
  auto& subscribers = self->state.subscribers;
  if (topic != nullptr) {
    if (subscribers.remove(*topic, who))
      drop_topic(self, *topic);
    return;
  }
  for (auto& name : subscribers.forget(who))
    drop_topic(self, name);
}

// Hands a message from the channel to every store subscribed to its topic.
void on_message(self_pointer self, reply& msg) {
  auto& st = self->state;
  if (msg.elements.size() != 3 || msg.elements[2].type != reply::kind::string) {
    st.report(failure("malformed pub/sub message dropped"));
    return;
  }
  auto& channel = msg.elements[1].str;
  auto& payload = msg.elements[2].str;
  auto i = st.channel_topics.find(channel);
  if (i == st.channel_topics.end()) {
    // Published before Redis saw our UNSUBSCRIBE: nobody wants it.
    if (st.leaving(channel))
      return;
    st.report(failure("message on channel '" + channel
                      + "' that no store here subscribed to, dropped"));
    return;
  }
  if (payload.size() > st.opts.max_message_bytes) {
    st.report(
      failure("message of " + std::to_string(payload.size()) + " bytes on '"
              + channel + "' exceeds max_message_bytes ("
              + std::to_string(st.opts.max_message_bytes) + "), dropped"));
    return;
  }
  auto first = reinterpret_cast<const uint8_t*>(payload.data());
  st.subscribers.deliver(self, i->second, bytes(first, first + payload.size()),
                         {}, st.ingest.get());
}

void on_subscribed(self_pointer self, const reply& msg) {
  auto& st = self->state;
  if (msg.elements.size() < 2)
    return;
  auto i = st.channel_topics.find(msg.elements[1].str);
  if (i == st.channel_topics.end())
    return; // Unsubscribed meanwhile.
  auto topic = i->second;
  auto& entry = st.topics[topic];
  entry.subscribed = true;
  for (auto& promise : entry.waiting)
    promise.deliver(ok_atom::value);
  entry.waiting.clear();
  if (entry.resync_on_confirm) {
    entry.resync_on_confirm = false;
    resync(self, topic);
    self->delayed_send(self, st.opts.resync_settle, settle_atom::value, topic,
                       st.generation);
  }
}

// -- snapshots ----------------------------------------------------------------

void run_snapshot_jobs(self_pointer self);

void finish_job(self_pointer self, uint64_t id, caf::error err) {
  auto& st = self->state;
  if (!st.job_running || id != st.job_id)
    return;
  auto job = std::move(st.snapshot_jobs.front());
  st.snapshot_jobs.pop_front();
  st.job_running = false;
  if (err)
    job.promise.deliver(std::move(err));
  else
    job.promise.deliver(ok_atom::value);
  run_snapshot_jobs(self);
}

void remember_own_snapshot(transport_state& st, const snapshot_job& job,
                           std::optional<uint64_t> own) {
  if (own)
    st.own_snapshots[job.topic] = {job.writer, *own};
  else
    st.own_snapshots.erase(job.topic);
}

// Whether `stored` is the snapshot the job's snapshotter stored last.
bool holds_own_snapshot(const transport_state& st, const snapshot_job& job,
                        const std::string& stored) {
  auto i = st.own_snapshots.find(job.topic);
  return i != st.own_snapshots.end() && i->second.first == job.writer
         && i->second.second
              == snapshot_fingerprint(
                reinterpret_cast<const uint8_t*>(stored.data()), stored.size());
}

// Stores `payload` unless the key changed since WATCH; a change means a
// peer stored meanwhile, and the job starts over to join that one too.
void commit_snapshot(self_pointer self, uint64_t id, const bytes& payload) {
  auto& st = self->state;
  if (!st.job_running || id != st.job_id || st.now != phase::up)
    return;
  auto& link = st.commands;
  auto& job = st.snapshot_jobs.front();
  auto key = st.opts.snapshot_key(job.topic);
  // Only bytes the snapshotter built itself let its next snapshot skip the
  // merge: a merge may hold entries its replica lacks.
  std::optional<uint64_t> own;
  if (&payload == &job.payload || payload == job.payload)
    own = snapshot_fingerprint(payload);
  auto ignore = [](reply&) {};
  link.command({"MULTI"}, ignore);
  link.command({"SET", key,
                std::string_view{reinterpret_cast<const char*>(payload.data()),
                                 payload.size()}},
               ignore);
  link.command({"EXEC"}, [self, id, own](reply& x) {
    auto& st = self->state;
    if (x.is_error())
      return finish_job(self, id, error_of(x));
    if (x.type == reply::kind::array) {
      if (st.job_running && id == st.job_id)
        remember_own_snapshot(st, st.snapshot_jobs.front(), own);
      return finish_job(self, id, caf::none);
    }
    // EXEC answered nil: the key changed after WATCH.
    if (!st.job_running || id != st.job_id)
      return;
    if (++st.snapshot_jobs.front().attempts >= max_snapshot_attempts)
      return finish_job(self, id,
                        failure("snapshot key kept changing; gave up after "
                                + std::to_string(max_snapshot_attempts)
                                + " attempts"));
    st.job_running = false;
    run_snapshot_jobs(self);
  });
  schedule_flush(self);
}

void run_snapshot_jobs(self_pointer self) {
  auto& st = self->state;
  if (st.job_running || st.snapshot_jobs.empty() || st.now != phase::up)
    return;
  st.job_running = true;
  auto id = ++st.job_id;
  auto key = st.opts.snapshot_key(st.snapshot_jobs.front().topic);
  auto& link = st.commands;
  link.command({"WATCH", key}, [self, id](reply& x) {
    if (x.is_error())
      finish_job(self, id, error_of(x));
  });
  link.command({"GET", key}, [self, id](reply& x) {
    auto& st = self->state;
    if (!st.job_running || id != st.job_id)
      return;
    if (x.is_error())
      return finish_job(self, id, error_of(x));
    auto& job = st.snapshot_jobs.front();
    auto& ours = job.payload;
    if (x.type != reply::kind::string || x.str.empty()
        || holds_own_snapshot(st, job, x.str))
      return commit_snapshot(self, id, ours);
    auto first = reinterpret_cast<const uint8_t*>(x.str.data());
    self
      ->request(st.merger, caf::infinite, merge_atom::value,
                bytes(first, first + x.str.size()), ours)
      .then([self, id](bytes& merged) { commit_snapshot(self, id, merged); },
            [self, id](caf::error& err) {
              // It may be a newer version's: replacing it with our view
              // could lose what only it holds. The snapshotter reports the
              // error and retries; an operator who deletes the key lets the
              // next snapshot through.
              auto& st = self->state;
              if (!st.job_running || id != st.job_id)
                return;
              st.commands.command({"UNWATCH"}, [](reply&) {});
              schedule_flush(self);
              finish_job(self, id,
                         failure("the stored snapshot does not decode ("
                                 + describe(err)
                                 + "); kept, not replaced: delete the key to "
                                   "store a new one"));
            });
  });
  schedule_flush(self);
}

// -- connection life cycle ----------------------------------------------------

// Closes both connections; pending commands see an error reply.
void tear_down(self_pointer self, const std::string& why) {
  auto& st = self->state;
  ++st.generation;
  ++st.job_id;
  st.job_running = false;
  st.flush_scheduled = false;
  std::vector<reply_handler> orphans;
  for (auto* x : {&st.commands, &st.subscription}) {
    if (x->pipe)
      caf::anon_send(x->pipe, caf::close_atom::value);
    for (auto& f : x->pending)
      orphans.push_back(std::move(f));
    *x = link{};
  }
  st.leaving_channels.clear();
  for (auto& entry : st.topics) {
    entry.second.requested = false;
    entry.second.subscribed = false;
    for (auto& promise : entry.second.waiting)
      promise.deliver(failure(why));
    entry.second.waiting.clear();
  }
  reply lost;
  lost.type = reply::kind::error;
  lost.str = why;
  for (auto& f : orphans)
    f(lost);
  auto jobs = std::move(st.snapshot_jobs);
  st.snapshot_jobs.clear();
  for (auto& job : jobs)
    job.promise.deliver(failure(why));
}

void begin_attempt(self_pointer self);

// The connection `generation` failed or broke: report it and retry after a
// backoff; a first connection that fails fails the open instead.
void connection_lost(self_pointer self, uint64_t generation,
                     const caf::error& err) {
  auto& st = self->state;
  if (generation != st.generation
      || (st.now != phase::connecting && st.now != phase::up))
    return;
  tear_down(self, describe(err));
  if (!st.ever_up) {
    st.now = phase::failed;
    st.open_error = err;
    for (auto& promise : st.opening)
      promise.deliver(err);
    st.opening.clear();
    return;
  }
  st.now = phase::down;
  auto delay = st.next_backoff();
  st.report(caf::make_error(
    ec::transport_failed,
    describe(err) + "; reconnecting in "
      + std::to_string(
        std::chrono::duration_cast<std::chrono::milliseconds>(delay).count())
      + " ms"));
  self->delayed_send(self, delay, reconnect_atom::value, st.generation);
}

void on_up(self_pointer self) {
  auto& st = self->state;
  st.now = phase::up;
  st.failures = 0;
  auto reconnected = st.ever_up;
  st.ever_up = true;
  if (!reconnected && st.opts.resync_interval > caf::timespan{0})
    self->delayed_send(self, st.opts.resync_interval, tick_atom::value);
  if (reconnected)
    ++st.reconnects;
  detail::log_event(st.opts.logger, detail::log_level::info,
                    reconnected ? "redis_reconnected" : "redis_connected",
                    {{"host", st.opts.host},
                     {"port", std::to_string(st.opts.port)},
                     {"db", std::to_string(st.opts.database)}});
  for (auto& promise : st.opening)
    promise.deliver(ok_atom::value);
  st.opening.clear();
  for (auto& [topic, entry] : st.topics) {
    entry.resync_on_confirm = reconnected;
    send_subscribe(self, topic, entry);
  }
  run_snapshot_jobs(self);
}

// AUTH, SELECT and a PING that tells the link is ready.
void handshake(self_pointer self, link& x, bool select_database) {
  auto& st = self->state;
  auto generation = st.generation;
  auto refuse = [self, generation](const std::string& what) {
    return [self, generation, what](reply& r) {
      if (r.is_error())
        connection_lost(self, generation, failure(what + ": " + r.str));
    };
  };
  if (!st.opts.password.empty())
    x.command({"AUTH", st.opts.password}, refuse("the server refused AUTH"));
  if (select_database && st.opts.database != 0)
    x.command({"SELECT", std::to_string(st.opts.database)},
              refuse("SELECT " + std::to_string(st.opts.database) + " failed"));
  auto tag = x.tag;
  x.command({"PING"}, [self, generation, tag](reply& r) {
    auto& st = self->state;
    if (r.is_error()) {
      connection_lost(self, generation, failure("PING failed: " + r.str));
      return;
    }
    auto* ready = st.link_of(tag);
    if (ready == nullptr || st.now != phase::connecting)
      return;
    ready->ready = true;
    if (st.commands.ready && st.subscription.ready)
      on_up(self);
  });
  schedule_flush(self);
}

void begin_attempt(self_pointer self) {
  auto& st = self->state;
  st.now = phase::connecting;
  auto generation = ++st.generation;
  st.commands.tag = generation * 2;
  st.subscription.tag = generation * 2 + 1;
  auto listener = caf::actor_cast<connection_listener>(self);
  for (auto* x : {&st.commands, &st.subscription})
    connect_async(self->system(), listener, "redis", st.opts.host, st.opts.port,
                  st.opts.connect_timeout, x->tag);
  self->delayed_send(self, st.opts.connect_timeout, deadline_atom::value,
                     generation);
}

// Adopts the socket of a link; false for an abandoned attempt's, which the
// connector then closes.
bool on_connected(self_pointer self, uint64_t tag, int fd) {
  auto& st = self->state;
  auto* x = st.link_of(tag);
  if (x == nullptr || st.now != phase::connecting)
    return false;
  auto subscription = x == &st.subscription;
  if (subscription)
    st.ingest->reset_paused();
  x->pipe
    = spawn_pipe(self->system(), caf::actor_cast<connection_listener>(self), fd,
                 tag, subscription ? st.ingest : nullptr);
  self->monitor(x->pipe);
  x->reader = std::make_unique<reply_reader>();
  handshake(self, *x, x == &st.commands);
  return true;
}

// Handles every complete reply that `x` has read.
void dispatch_replies(self_pointer self, link* x) {
  auto& st = self->state;
  auto generation = st.generation;
  // A handler may tear the links down: stop as soon as the generation moves.
  while (generation == st.generation) {
    auto next = x->reader->next();
    if (!next) {
      connection_lost(self, generation, next.error());
      return;
    }
    auto& r = *next;
    if (!r)
      return;
    if (x == &st.subscription && r->is_push("message")) {
      on_message(self, *r);
    } else if (x == &st.subscription && r->is_push("subscribe")) {
      on_subscribed(self, *r);
    } else if (x == &st.subscription && r->is_push("unsubscribe")) {
      if (r->elements.size() >= 2)
        st.unsubscribed(r->elements[1].str);
    } else if (x->pending.empty()) {
      connection_lost(self, generation, failure("a reply nobody asked for"));
      return;
    } else {
      auto handler = std::move(x->pending.front());
      x->pending.pop_front();
      handler(*r);
    }
  }
}

// Parses what arrived and dispatches every complete reply.
void on_data(self_pointer self, uint64_t tag, const bytes& data) {
  auto& st = self->state;
  auto* x = st.link_of(tag);
  if (x == nullptr || !x->reader)
    return;
  auto pipe = x->pipe;
  auto subscription = x == &st.subscription;
  x->reader->feed(reinterpret_cast<const char*>(data.data()), data.size());
  dispatch_replies(self, x);
  // Its messages are charged to the budget now: the pipe may read on.
  if (subscription)
    caf::anon_send(pipe, handled_atom::value);
}

// A connection of the current attempt failed to connect, or broke.
void on_dropped(self_pointer self, uint64_t tag, const caf::error& err) {
  auto& st = self->state;
  if (st.link_of(tag) == nullptr)
    return;
  // Redis closes a subscriber whose output buffer passed its limit: while
  // we held back for the stores, that is almost surely why.
  if (tag == st.subscription.tag && st.now == phase::up
      && st.ingest->paused_since_reset()) {
    st.ingest->count_overrun();
    st.report(caf::make_error(
      ec::ingest_overrun,
      "redis closed the subscription while the stores were behind the "
      "ingest budget (its client-output-buffer-limit for pubsub); messages "
      "in between are lost and the stores resync after the reconnect"));
  }
  connection_lost(self, st.generation, err);
}

caf::error closed_error() {
  return caf::make_error(ec::transport_closed, "redis transport closed");
}

caf::error not_up(const transport_state& st) {
  if (st.now == phase::closed)
    return closed_error();
  return failure("not connected to " + st.opts.host + ":"
                 + std::to_string(st.opts.port) + " (reconnecting)");
}

} // namespace

// -- state --------------------------------------------------------------------

void link::command(std::initializer_list<std::string_view> args,
                   reply_handler on_reply) {
  append_command(outbox, args);
  pending.push_back(std::move(on_reply));
}

void transport_state::report(const caf::error& err) const {
  detail::log_event(opts.logger, detail::log_level::warn, "redis_error",
                    {{"host", opts.host},
                     {"port", std::to_string(opts.port)},
                     {"reason", reason_of(err)}});
  if (opts.error_handler)
    opts.error_handler(err);
}

void transport_state::unsubscribing(const std::string& channel) {
  ++leaving_channels[channel];
}

void transport_state::unsubscribed(const std::string& channel) {
  auto i = leaving_channels.find(channel);
  if (i != leaving_channels.end() && --i->second == 0)
    leaving_channels.erase(i);
}

bool transport_state::leaving(const std::string& channel) const {
  return leaving_channels.count(channel) != 0;
}

caf::timespan transport_state::next_backoff() {
  std::uniform_real_distribution<double> unit{0.0, 1.0};
  return backoff_delay(failures++, opts.reconnect_min, opts.reconnect_max,
                       unit(rng));
}

transport_status transport_state::status() const {
  transport_status x;
  x.kind = "redis";
  x.ready = now == phase::up;
  switch (now) {
    case phase::connecting: x.state = "connecting"; break;
    case phase::up: x.state = "connected"; break;
    case phase::down: x.state = "reconnecting"; break;
    case phase::failed: x.state = "failed to connect"; break;
    case phase::closed: x.state = "closed"; break;
  }
  x.reconnects = reconnects;
  x.publish_failures = publish_failures;
  x.snapshot_fetches = snapshot_fetches;
  x.snapshot_fetch_ns = snapshot_fetch_ns;
  x.ingest = ingest->status();
  return x;
}

link* transport_state::link_of(uint64_t tag) {
  if (tag == 0)
    return nullptr;
  if (tag == commands.tag)
    return &commands;
  if (tag == subscription.tag)
    return &subscription;
  return nullptr;
}

// -- publishing ---------------------------------------------------------------

// PUBLISHes `payload` on `topic`'s channel and answers `answer(receivers)`,
// receivers as Redis counts them (subscribers of any server pod).
template <class Answer, class F>
caf::result<Answer> publish(self_pointer self, const std::string& topic,
                            const bytes& payload, F answer) {
  auto& st = self->state;
  if (st.now != phase::up) {
    ++st.publish_failures;
    return not_up(st);
  }
  auto promise = self->make_response_promise<Answer>();
  st.commands.command(
    {"PUBLISH", st.opts.channel(topic),
     std::string_view{reinterpret_cast<const char*>(payload.data()),
                      payload.size()}},
    [self, promise, answer](reply& x) mutable {
      if (x.is_error()) {
        ++self->state.publish_failures;
        promise.deliver(error_of(x));
      } else {
        promise.deliver(answer(x.integer));
      }
    });
  schedule_flush(self);
  return promise;
}

// -- behavior -----------------------------------------------------------------

transport_actor_impl::behavior_type
transport(transport_actor_impl::stateful_pointer<transport_state> self,
          redis_options opts) {
  self->state.opts = std::move(opts);
  self->state.ingest = ingest_budget::make(self->state.opts.ingest_budget);
  self->state.merger
    = self->spawn<caf::linked>([]() -> merger_actor::behavior_type {
        return {
          [](merge_atom, bytes& stored, bytes& ours) -> caf::result<bytes> {
            auto merged = merge_snapshots(std::move(stored), std::move(ours));
            if (!merged)
              return std::move(merged.error());
            return std::move(*merged);
          },
        };
      });
  self->set_down_handler([self](const caf::down_msg& msg) {
    auto& st = self->state;
    for (auto* x : {&st.commands, &st.subscription})
      if (x->pipe && x->pipe.address() == msg.source) {
        connection_lost(self, st.generation,
                        failure("the connection's broker exited"));
        return;
      }
    unsubscribe(self, msg.source, nullptr);
  });
  begin_attempt(self);
  return {
    // -- transport_actor --
    [=](publish_atom, const std::string& topic,
        const bytes& payload) -> caf::result<ok_atom> {
      return publish<ok_atom>(self, topic, payload,
                              [](int64_t) { return ok_atom::value; });
    },
    [=](inbox_atom, const std::string& topic,
        const bytes& payload) -> caf::result<uint64_t> {
      return publish<uint64_t>(self, topic, payload, [](int64_t receivers) {
        return static_cast<uint64_t>(std::max<int64_t>(receivers, 0));
      });
    },
    [=](subscribe_atom, const std::string& topic,
        const subscriber_actor& subscriber) -> caf::result<ok_atom> {
      auto& st = self->state;
      if (st.now != phase::up)
        return not_up(st);
      self->monitor(subscriber);
      st.channel_topics.emplace(st.opts.channel(topic), topic);
      auto& entry = st.topics[topic];
      st.subscribers.add(topic, subscriber.address());
      // The new store loads the snapshot next, but what peers published
      // just before we subscribed is neither in it nor on its way to us:
      // one more refresh, once their snapshotters have persisted it.
      self->delayed_send(self, st.opts.resync_settle, settle_atom::value, topic,
                         subscriber.address());
      if (entry.subscribed)
        return ok_atom::value;
      auto promise = self->make_response_promise<ok_atom>();
      entry.waiting.push_back(promise);
      if (!entry.requested)
        send_subscribe(self, topic, entry);
      return promise;
    },
    [=](unsubscribe_atom, const std::string& topic,
        const subscriber_actor& subscriber) {
      unsubscribe(self, subscriber.address(), &topic);
    },
    [=](store_snap_atom, const std::string& topic,
        bytes& payload) -> caf::result<ok_atom> {
      auto& st = self->state;
      if (st.now != phase::up)
        return not_up(st);
      // Before the promise, which takes the sender from the message.
      auto writer = caf::actor_cast<caf::actor_addr>(self->current_sender());
      auto promise = self->make_response_promise<ok_atom>();
      st.snapshot_jobs.push_back(
        snapshot_job{topic, std::move(payload), std::move(writer), promise, 0});
      run_snapshot_jobs(self);
      return promise;
    },
    [=](fetch_snap_atom, const std::string& topic) -> caf::result<bytes> {
      auto& st = self->state;
      if (st.now != phase::up)
        return not_up(st);
      auto promise = self->make_response_promise<bytes>();
      auto started = self->clock().now();
      st.commands.command({"GET", st.opts.snapshot_key(topic)},
                          [self, promise, started](reply& x) mutable {
                            auto& st = self->state;
                            ++st.snapshot_fetches;
                            st.snapshot_fetch_ns += static_cast<uint64_t>(
                              (self->clock().now() - started).count());
                            if (x.is_error()) {
                              promise.deliver(error_of(x));
                              return;
                            }
                            auto first
                              = reinterpret_cast<const uint8_t*>(x.str.data());
                            promise.deliver(bytes(first, first + x.str.size()));
                          });
      schedule_flush(self);
      return promise;
    },
    [=](has_snap_atom, const std::string& topic) -> caf::result<bool> {
      auto& st = self->state;
      if (st.now != phase::up)
        return not_up(st);
      auto promise = self->make_response_promise<bool>();
      st.commands.command({"EXISTS", st.opts.snapshot_key(topic)},
                          [promise](reply& x) mutable {
                            if (x.is_error())
                              promise.deliver(error_of(x));
                            else
                              promise.deliver(x.integer > 0);
                          });
      schedule_flush(self);
      return promise;
    },
    [=](close_atom) {
      auto& st = self->state;
      if (st.now == phase::closed)
        return;
      st.now = phase::closed;
      tear_down(self, "redis transport closed");
      // Exiting (rather than answering `transport_closed` from then on)
      // lets the actor system shut down without waiting for our timers.
      self->quit();
    },
    // -- own messages --
    [=](open_atom) -> caf::result<ok_atom> {
      auto& st = self->state;
      switch (st.now) {
        case phase::connecting: {
          auto promise = self->make_response_promise<ok_atom>();
          st.opening.push_back(promise);
          return promise;
        }
        case phase::failed: return st.open_error;
        case phase::closed: return closed_error();
        default: return ok_atom::value;
      }
    },
    [=](flush_atom) { flush(self); },
    [=](stats_atom) { return self->state.status(); },
    // A publish is answered once Redis took it: nothing is left to wait for.
    [=](sync_atom) { return ok_atom::value; },
    [=](deadline_atom, uint64_t generation) {
      auto& st = self->state;
      if (generation == st.generation && st.now == phase::connecting)
        connection_lost(self, generation,
                        failure("no answer from " + st.opts.host + ":"
                                + std::to_string(st.opts.port)
                                + " within connect_timeout"));
    },
    [=](reconnect_atom, uint64_t generation) {
      auto& st = self->state;
      if (generation == st.generation && st.now == phase::down)
        begin_attempt(self);
    },
    [=](tick_atom) {
      auto& st = self->state;
      if (st.now == phase::closed)
        return;
      if (st.now == phase::up)
        for (auto& entry : st.topics)
          if (entry.second.subscribed)
            resync(self, entry.first);
      self->delayed_send(self, st.opts.resync_interval, tick_atom::value);
    },
    [=](settle_atom, const std::string& topic, uint64_t generation) {
      auto& st = self->state;
      if (generation == st.generation && st.now == phase::up)
        resync(self, topic);
    },
    [=](settle_atom, const std::string& topic, const caf::actor_addr& who) {
      if (auto subscriber = caf::actor_cast<subscriber_actor>(who))
        self->send(subscriber, resync_atom::value, topic);
    },
    // -- connection_listener --
    [=](connected_atom, uint64_t tag, int fd) {
      return on_connected(self, tag, fd);
    },
    [=](connect_failed_atom, uint64_t tag, const caf::error& err) {
      on_dropped(self, tag, err);
    },
    [=](dropped_atom, uint64_t tag, const caf::error& err) {
      on_dropped(self, tag, err);
    },
    [=](data_atom, uint64_t tag, const bytes& data, const ingest_ticket&) {
      on_data(self, tag, data);
    },
  };
}

} // namespace podshare::net::redis
