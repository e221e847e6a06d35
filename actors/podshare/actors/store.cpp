#include "podshare/actors/store.hpp"

#include "podshare/actors/gc.hpp"
#include "podshare/actors/repair.hpp"
#include "podshare/actors/snapshotter.hpp"
#include "podshare/actors/watcher_registry.hpp"
#include "podshare/detail/log_event.hpp"
#include "podshare/detail/release_memory.hpp"
#include "podshare/error.hpp"
#include "podshare/wire.hpp"

#include <caf/actor_cast.hpp>
#include <caf/typed_event_based_actor.hpp>

#include <algorithm>

namespace podshare::actors {

using self_pointer = store_pointer;

namespace {

// Wakes the snapshotter unless a wake-up is already pending.
void mark_dirty(self_pointer self) {
  if (self->state.mark_dirty())
    self->send(self->state.snapshotter, dirty_atom::value);
}

} // namespace

void dispatch(self_pointer self, std::vector<event> events) {
  auto& st = self->state;
  if (!events.empty())
    self->send(st.registry, event_atom::value, std::move(events));
  if (st.changed) {
    st.changed = false;
    mark_dirty(self);
  }
  if (!st.waiters.empty())
    st.settle_waiters();
  if (st.revision != st.revision_digested)
    repair::changed(self);
}

void refresh(self_pointer self,
             const std::function<void(caf::expected<uint64_t>)>& done) {
  auto& st = self->state;
  self
    ->request(st.cfg.transport, st.cfg.options.transport_timeout,
              fetch_snap_atom::value, st.topic)
    .then(
      [self, done](bytes& snapshot) mutable {
        std::vector<event> events;
        auto adopted = self->state.merge_snapshot(snapshot, events);
        self->state.log(detail::log_level::info, "snapshot_merged",
                        {{"bytes", std::to_string(snapshot.size())},
                         {"adopted", std::to_string(adopted)}});
        // Here and not at open, where a late joiner waits for its first
        // answer; a pod that stays refreshes once more at resync_settle.
        if (snapshot.size() >= detail::release_after_bytes)
          detail::release_free_memory();
        dispatch(self, std::move(events));
        done(caf::expected<uint64_t>{adopted});
      },
      [self, done](caf::error& err) mutable {
        self->state.report(err);
        done(caf::expected<uint64_t>{std::move(err)});
      });
}

// After a resync: republishes our writes whose broadcast failed, and
// persists the snapshot now, since the transport may have lost the stored one
// (a restarted Redis) or missed our writes; unless nothing changed since we
// stored ours last and the transport still holds it (`stored_is_ours`: the
// refresh before fetched our own, or the transport says it holds one).
void catch_up(self_pointer self, bool stored_is_ours) {
  auto& st = self->state;
  auto missed = st.take_unbroadcast();
  if (!missed.empty()) {
    auto stamp = missed.front().version.timestamp;
    for (auto& x : missed)
      stamp = std::min(stamp, x.version.timestamp);
    self
      ->request(st.cfg.transport, st.cfg.options.transport_timeout,
                publish_atom::value, st.topic,
                wire::encode_events(st.cfg.options.wire, missed))
      .then([](ok_atom) {},
            [self, stamp](caf::error& err) {
              self->state.report(
                caf::make_error(ec::broadcast_failed, describe(err)));
              self->state.note_broadcast_failure(stamp);
            });
  }
  if (stored_is_ours && !st.dirty->load())
    return;
  st.dirty->store(true);
  self->request(st.snapshotter, caf::infinite, flush_atom::value)
    .then([](ok_atom) {}, [](const caf::error&) {});
}

namespace {

// Checks the broadcast deadlines at the earliest one, unless a check is
// already due.
void arm_deadline_check(self_pointer self) {
  auto& deadlines = self->state.deadlines;
  if (deadlines.armed)
    return;
  if (auto next = deadlines.next_deadline()) {
    deadlines.armed = true;
    self->delayed_send(self, *next - self->clock().now(), tick_atom::value);
  }
}

void send_broadcast(self_pointer self, broadcast_queue::group group,
                    bool queued);

// A queued group's broadcast is over: the next group may leave.
void broadcast_settled(self_pointer self) {
  auto& queue = self->state.broadcasts;
  --queue.in_flight;
  if (queue.ready())
    send_broadcast(self, queue.take(), true);
}

// Runs what waits for the last broadcast to end, if none is pending.
void check_broadcasts_settled(self_pointer self) {
  auto& st = self->state;
  if (!st.deadlines.empty() || st.broadcasts.in_flight > 0
      || !st.on_broadcasts_settled)
    return;
  auto then = std::move(st.on_broadcasts_settled);
  st.on_broadcasts_settled = nullptr;
  then();
}

// Hands `group` to the transport; each of its writes hears how it went
// within the transport timeout (counted from now: a write that waited behind
// a hung broadcast hears within two timeouts).
void send_broadcast(self_pointer self, broadcast_queue::group group,
                    bool queued) {
  auto& st = self->state;
  auto finish
    = [self, queued, writes = std::move(group.writes)](const caf::error& err) {
        for (auto& write : writes)
          write(err);
        if (queued)
          broadcast_settled(self);
        check_broadcasts_settled(self);
      };
  auto id = st.deadlines.add(
    self->clock().now() + st.cfg.options.transport_timeout, std::move(finish));
  arm_deadline_check(self);
  // No request timeout: `deadlines` keeps it (see publish_deadlines.hpp).
  self
    ->request(st.cfg.transport, caf::infinite, publish_atom::value, st.topic,
              std::move(group.payload))
    .then(
      [self, id](ok_atom) {
        if (auto done = self->state.deadlines.settle(id))
          (*done)(caf::error{});
      },
      [self, id](caf::error& err) {
        if (auto done = self->state.deadlines.settle(id))
          (*done)(std::move(err));
      });
}

// Dispatches a local write, broadcasts it (now, or with the next group) and
// answers what `take_reply` takes from the outcome once the transport took
// it; a failed or timed-out broadcast answers `broadcast_failed` while the
// local write stands.
template <class TakeReply>
auto finish_write(self_pointer self, caf::expected<write_outcome> outcome,
                  TakeReply take_reply)
  -> caf::result<decltype(take_reply(*outcome))> {
  using reply_type = decltype(take_reply(*outcome));
  if (!outcome)
    return std::move(outcome.error());
  auto& st = self->state;
  dispatch(self, std::move(outcome->events));
  // An empty batch changed nothing and has nothing to broadcast.
  if (outcome->versions.empty())
    return take_reply(*outcome);
  auto promise = self->make_response_promise<reply_type>();
  auto stamp = outcome->versions.front().timestamp;
  auto reply = take_reply(*outcome);
  auto done = [self, promise, reply = std::move(reply),
               stamp](const caf::error& err) mutable {
    if (!err) {
      // Moved, not copied: a batch's reply holds an origin string per write.
      promise.deliver(std::move(reply));
      return;
    }
    auto failure = caf::make_error(ec::broadcast_failed, describe(err));
    self->state.report(failure);
    self->state.note_broadcast_failure(stamp);
    promise.deliver(std::move(failure));
  };
  if (!st.coalesces_broadcasts()) {
    send_broadcast(self, {std::move(outcome->payload), {std::move(done)}},
                   false);
    return promise;
  }
  st.broadcasts.wait(std::move(done));
  if (st.broadcasts.ready())
    send_broadcast(self, st.broadcasts.take(), true);
  return promise;
}

caf::result<version> finish_single(self_pointer self,
                                   caf::expected<write_outcome> outcome) {
  return finish_write(self, std::move(outcome), [](write_outcome& x) {
    return x.versions.empty() ? version{} : std::move(x.versions.front());
  });
}

// The versions move into the reply: a batch of 1,000 copied them, one
// allocation for each origin.
caf::result<std::vector<version>>
finish_batch(self_pointer self, caf::expected<write_outcome> outcome) {
  return finish_write(self, std::move(outcome),
                      [](write_outcome& x) { return std::move(x.versions); });
}

std::vector<write_item> one(write_item item) {
  std::vector<write_item> items;
  items.push_back(std::move(item));
  return items;
}

// Subscribes to `topics`, one after the other, then runs `then`; `fail`
// hears the first failure.
void subscribe_each(self_pointer self, std::vector<std::string> topics,
                    std::function<void()> then,
                    std::function<void(caf::error&)> fail) {
  if (topics.empty()) {
    then();
    return;
  }
  auto& st = self->state;
  auto topic = std::move(topics.front());
  topics.erase(topics.begin());
  self
    ->request(st.cfg.transport, st.cfg.options.transport_timeout,
              subscribe_atom::value, std::move(topic),
              caf::actor_cast<subscriber_actor>(self))
    .then(
      [self, topics = std::move(topics), then, fail](ok_atom) mutable {
        subscribe_each(self, std::move(topics), std::move(then),
                       std::move(fail));
      },
      [fail](caf::error& err) { fail(err); });
}

// Subscribes, then loads the transport's snapshot (no events), then answers
// every pending open.
void hydrate(
  self_pointer self,
  const std::shared_ptr<std::vector<caf::typed_response_promise<ok_atom>>>&
    waiting) {
  auto& st = self->state;
  auto fail = [self, waiting](caf::error& err) {
    for (auto& promise : *waiting)
      promise.deliver(err);
    self->quit(err);
  };
  auto timeout = st.cfg.options.transport_timeout;
  auto started = self->clock().now();
  // The repair topics too before `open` answers: a peer may ask us for
  // repair as soon as it hears of our writes.
  subscribe_each(
    self, {st.topic, st.repair_topic, st.repair_inbox},
    [self, waiting, fail, timeout, started] {
      auto& st = self->state;
      self->request(st.cfg.transport, timeout, fetch_snap_atom::value, st.topic)
        .then(
          [self, waiting, started](bytes& snapshot) {
            auto& st = self->state;
            auto loading = self->clock().now();
            std::vector<event> no_watchers_yet;
            auto adopted = st.merge_snapshot(snapshot, no_watchers_yet);
            if (!snapshot.empty())
              st.log(
                detail::log_level::info, "snapshot_loaded",
                {{"bytes", std::to_string(snapshot.size())},
                 {"entries", std::to_string(adopted)},
                 {"took_ms", detail::millis(self->clock().now() - loading)}});
            auto x = st.cfg.counters->read();
            st.log(
              detail::log_level::info, "store_opened",
              {{"keys", std::to_string(x.keys)},
               {"tombstones", std::to_string(x.tombstones)},
               {"took_ms", detail::millis(self->clock().now() - started)}});
            // Loading is not a change to persist again.
            self->state.changed = false;
            self->state.ready = true;
            for (auto& promise : *waiting)
              promise.deliver(ok_atom::value);
            waiting->clear();
          },
          fail);
    },
    fail);
}

// Ends the store: no more writes, watches end, a final snapshot goes out
// within `timeout`, then the store and its helpers exit. Exiting matters: a
// request timer in CAF 0.17 keeps its requester alive until it fires, so a
// store left running after close would hold up the actor system's shutdown.
caf::result<ok_atom> close(self_pointer self, caf::timespan timeout) {
  auto& st = self->state;
  if (st.closed)
    return ok_atom::value;
  st.closed = true;
  self->send(st.cfg.transport, unsubscribe_atom::value, st.topic,
             caf::actor_cast<subscriber_actor>(self));
  repair::stop(self);
  st.waiters.fail_all(
    caf::make_error(ec::closed, "store " + st.topic + " closed"));
  auto promise = self->make_response_promise<ok_atom>();
  auto finish = [self, promise](caf::error err) mutable {
    auto x = self->state.cfg.counters->read();
    self->state.log(detail::log_level::info, "store_closed",
                    {{"keys", std::to_string(x.keys)},
                     {"writes_local", std::to_string(x.writes_local)},
                     {"writes_applied", std::to_string(x.writes_applied)},
                     {"snapshot", err ? reason_of(err) : "flushed"}});
    if (err)
      promise.deliver(std::move(err));
    else
      promise.deliver(ok_atom::value);
    // Exits (taking the linked helpers along) once the broadcasts of earlier
    // writes have ended, which their deadlines bound.
    self->state.on_broadcasts_settled
      = [self] { self->quit(caf::exit_reason::user_shutdown); };
    check_broadcasts_settled(self);
  };
  // Watches end first (an exit message could overtake a plain close), then
  // the final snapshot goes out.
  self->request(st.registry, caf::infinite, close_atom::value)
    .then([self, timeout, finish](ok_atom) mutable {
      self->request(self->state.snapshotter, timeout, flush_atom::value)
        .then([finish](ok_atom) mutable { finish(caf::error{}); },
              [self, finish](caf::error& err) mutable {
                finish(caf::make_error(
                  err == caf::sec::request_timeout ? ec::timeout
                                                   : ec::snapshot_failed,
                  "closing " + self->state.topic + ": " + describe(err)));
              });
    });
  return promise;
}

// Watching a closed store yields an ended stream.
void end_at_once(self_pointer self, watch_id id, const watcher_actor& sink) {
  self->send(sink, watch_end_atom::value, id, watch_end::closed);
}

void end_at_once(self_pointer, watch_id,
                 const std::shared_ptr<watch_queue>& sink) {
  sink->end(watch_end::closed);
}

template <class Sink>
watch_id watch(self_pointer self, watch_filter& filter, Sink& sink) {
  auto& st = self->state;
  auto id = st.next_watch_id++;
  if (st.closed) {
    end_at_once(self, id, sink);
  } else {
    ++st.watches_opened;
    self->send(st.registry, watch_atom::value, id, std::move(filter),
               std::move(sink));
  }
  return id;
}

// Answers once the write `token` names is applied, or fails at `timeout`.
caf::result<ok_atom> wait_for(self_pointer self, write_token& token,
                              caf::timespan timeout) {
  auto& st = self->state;
  if (st.applied.covers(token.origin, token.incarnation, token.seq))
    return ok_atom::value;
  if (st.closed)
    return caf::make_error(ec::closed, "store " + st.topic + " closed");
  auto promise = self->make_response_promise<ok_atom>();
  auto id = st.waiters.add(std::move(token), promise);
  self->delayed_send(self, timeout, late_atom::value, id);
  return promise;
}

// Answers once the local revision reaches `revision`, or fails at `timeout`.
caf::result<uint64_t> wait_for_revision(self_pointer self, uint64_t revision,
                                        caf::timespan timeout) {
  auto& st = self->state;
  if (st.revision >= revision)
    return st.revision;
  if (st.closed)
    return caf::make_error(ec::closed, "store " + st.topic + " closed");
  auto promise = self->make_response_promise<uint64_t>();
  auto id = st.waiters.add(revision, promise);
  self->delayed_send(self, timeout, late_atom::value, id);
  return promise;
}

// Applies a message from the transport: a change on our topic, or one of
// the repair protocol; asks the writers of messages we lost for repair.
void deliver(self_pointer self, const std::string& topic,
             const bytes& payload) {
  auto& st = self->state;
  if (topic == st.topic) {
    dispatch(self, st.apply_remote(payload));
    // Before the snapshot's vector is loaded every writer seems to have
    // gaps; the digests find what is really missing after.
    if (st.ready)
      for (auto& origin : st.gaps)
        repair::request(self, origin);
  } else if (topic == st.repair_topic || topic == st.repair_inbox) {
    repair::on_message(self, payload);
  }
}

// The transport may have lost messages: peers send what we lack (repair
// by difference). Writes without an incarnation, and topics with a merger,
// only a snapshot repairs.
void resync(self_pointer self) {
  auto& st = self->state;
  if (st.closed)
    return;
  repair::after_resync(self);
  if (st.untracked_applied || st.cfg.values->merge) {
    refresh(self, [self](const caf::expected<uint64_t>& adopted) {
      if (adopted)
        catch_up(self, self->state.fetched_own_snapshot);
    });
    return;
  }
  // No snapshot fetched: the transport says whether it still holds one (a
  // restarted Redis may have lost it), and if nothing changed since we
  // stored ours, what it holds has ours joined in.
  auto probe
    = caf::actor_cast<transport_snapshot_probe_actor>(st.cfg.transport);
  self
    ->request(probe, st.cfg.options.transport_timeout, has_snap_atom::value,
              st.topic)
    .then([self](bool held) { catch_up(self, held); },
          [self](const caf::error&) { catch_up(self, false); });
}

} // namespace

store_actor::behavior_type store(self_pointer self, store_config cfg) {
  auto& st = self->state;
  st.init(std::move(cfg));
  auto map = std::const_pointer_cast<const replica>(st.cfg.map);
  auto& opts = st.cfg.options;
  st.registry = self->spawn<caf::linked>(
    watcher_registry,
    registry_config{opts.watch_buffer, st.cfg.counters, opts.error_handler,
                    st.watches_ended, opts.logger, st.topic, st.node_id});
  st.snapshotter = self->spawn<caf::linked>(
    snapshotter,
    snapshotter_config{st.topic, st.cfg.transport, map, st.cfg.values, st.dirty,
                       st.persisted, st.cfg.counters, opts, self->address(),
                       static_cast<bool>(st.cfg.values->merge)});
  st.gc = self->spawn<caf::linked>(gc, gc_config{map, opts, self->address()});
  auto waiting
    = std::make_shared<std::vector<caf::typed_response_promise<ok_atom>>>();
  hydrate(self, waiting);
  return {
    // -- lifecycle --
    [=](open_atom) -> caf::result<ok_atom> {
      if (self->state.ready)
        return ok_atom::value;
      waiting->push_back(self->make_response_promise<ok_atom>());
      return waiting->back();
    },
    [=](close_atom, caf::timespan timeout) { return close(self, timeout); },
    // -- reads --
    [=](get_atom, const std::string& key) { return self->state.lookup(key); },
    [=](stats_atom) { return self->state.cfg.counters->read(); },
    [=](progress_atom) { return self->state.progress(); },
    // -- writes --
    [=](set_atom, write_item& item) {
      return finish_single(self, self->state.set(one(std::move(item))));
    },
    [=](erase_atom, std::string& key) {
      return finish_single(self, self->state.erase({std::move(key)}));
    },
    [=](set_many_atom, std::vector<write_item>& items) {
      return finish_batch(self, self->state.set(std::move(items)));
    },
    [=](erase_many_atom, const std::vector<std::string>& keys) {
      return finish_batch(self, self->state.erase(keys));
    },
    [=](seed_atom, std::vector<write_item>& items) -> caf::result<ok_atom> {
      if (auto err = self->state.seed(std::move(items)))
        return err;
      dispatch(self, {});
      return ok_atom::value;
    },
    [=](try_set_atom, write_item& item, const version& expected) {
      return finish_single(self,
                           self->state.try_set(std::move(item), expected));
    },
    [=](try_erase_atom, const std::string& key, const version& expected) {
      return finish_single(self, self->state.try_erase(key, expected));
    },
    [=](refresh_atom) -> caf::result<uint64_t> {
      auto promise = self->make_response_promise<uint64_t>();
      refresh(self, [promise](caf::expected<uint64_t> adopted) mutable {
        if (adopted)
          promise.deliver(*adopted);
        else
          promise.deliver(std::move(adopted.error()));
      });
      return promise;
    },
    // -- revisions --
    [=](applied_atom) { return self->state.applied.entries(); },
    [=](wait_atom, write_token& token, caf::timespan timeout) {
      return wait_for(self, token, timeout);
    },
    [=](wait_atom, uint64_t revision, caf::timespan timeout) {
      return wait_for_revision(self, revision, timeout);
    },
    [=](next_atom, caf::timespan timeout) {
      return wait_for_revision(self, self->state.revision + 1, timeout);
    },
    [=](late_atom, uint64_t id) {
      self->state.waiters.fail(
        id, caf::make_error(ec::timeout, "waiting on " + self->state.topic));
    },
    // -- watch --
    [=](watch_atom, watch_filter& filter, watcher_actor& sink) {
      return watch(self, filter, sink);
    },
    [=](watch_atom, watch_filter& filter, std::shared_ptr<watch_queue>& sink) {
      return watch(self, filter, sink);
    },
    [=](observe_atom, std::shared_ptr<replica_observer>& observer,
        const std::shared_ptr<const void>& initial) {
      return self->state.observe(std::move(observer), initial);
    },
    [=](cancel_atom, watch_id id) {
      self->send(self->state.registry, cancel_atom::value, id);
    },
    // -- replication --
    [=](deliver_atom, const std::string& topic, const bytes& payload,
        const ingest_ticket&) { deliver(self, topic, payload); },
    [=](resync_atom, const std::string& topic) {
      if (topic == self->state.topic)
        resync(self);
    },
    [=](expire_atom, const std::vector<expired_tombstone>& tombstones) {
      auto dropped = self->state.expire(tombstones);
      if (dropped > 0)
        self->state.log(detail::log_level::info, "tombstones_gced",
                        {{"count", std::to_string(dropped)}});
    },
    [=](tick_atom) {
      auto& deadlines = self->state.deadlines;
      deadlines.armed = false;
      deadlines.expire(self->clock().now());
      arm_deadline_check(self);
    },
    // -- repair --
    [=](digest_atom) { repair::tick(self); },
    [=](repair_atom, const std::string& peer, uint64_t id) {
      repair::give_up(self, peer, id);
    },
    [=](resync_atom, uint64_t digests_heard) {
      repair::check_resync(self, digests_heard);
    },
  };
}

} // namespace podshare::actors
