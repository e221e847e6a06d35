#include "podshare/actors/snapshotter.hpp"

#include "podshare/detail/log_event.hpp"
#include "podshare/detail/release_memory.hpp"
#include "podshare/error.hpp"
#include "podshare/snapshot_fingerprint.hpp"
#include "podshare/wire.hpp"

#include <caf/actor_cast.hpp>
#include <caf/typed_event_based_actor.hpp>

namespace podshare::actors {

built_snapshot
snapshotter_state::build(int64_t now,
                         const std::vector<applied_writes>& applied) const {
  built_snapshot result;
  // Sized like the last snapshot, which this one most likely resembles.
  wire::snapshot_writer writer{cfg.options.wire,
                               cfg.counters->snapshot_bytes + 4096};
  // The view keeps every entry alive until the encoding is done.
  replica::pinned_view view{cfg.map};
  // Encoded values go through one buffer, which the writer copies from.
  bytes encoded;
  view.for_each_in_key_order([&](const record& x) {
    const bytes* value = nullptr;
    if (x.tombstone()) {
      if (expired(x.timestamp(), cfg.options.tombstone_ttl, now)) {
        result.expired.push_back({std::string{x.key()}, x.version()});
        return;
      }
    } else if (auto raw = x.raw_value(cfg.values->layout);
               raw.data != nullptr) {
      // Bytes that hold more than the value re-encodes to travel as they are.
      encoded.assign(raw.data, raw.data + raw.size);
      value = &encoded;
    } else if (auto err = cfg.values->encode_into(x.value(), encoded); !err) {
      value = &encoded;
    } else {
      if (result.unencodable++ == 0)
        result.first_failure = std::move(err);
      return;
    }
    writer.add(wire::entry_view{x.key(), value, x.timestamp(), x.origin(),
                                x.seq(), x.incarnation()});
  });
  result.payload = writer.finish(applied);
  return result;
}

caf::actor_clock::time_point
earliest_next_build(caf::actor_clock::time_point start,
                    caf::actor_clock::time_point end, double share) {
  if (!(share > 0.0 && share < 1.0)) // NaN too
    return end;
  auto took = std::chrono::duration<double>(end - start);
  return end
         + std::chrono::duration_cast<caf::timespan>(took
                                                     * (1.0 / share - 1.0));
}

namespace {

using self_pointer = snapshotter_actor::stateful_pointer<snapshotter_state>;

void report(self_pointer self, const caf::error& err) {
  auto& opts = self->state.cfg.options;
  if (opts.error_handler)
    opts.error_handler(err);
}

// Once the transport is done with a large snapshot, the memory that its
// build and the transport's merge used goes back to the system.
void release_after(size_t snapshot_size) {
  if (snapshot_size >= detail::release_after_bytes)
    detail::release_free_memory();
}

// Builds a snapshot and hands it to the transport; `done` hears whether the
// transport took it.
template <class Done>
void persist_now(self_pointer self, Done done,
                 const std::vector<applied_writes>& applied) {
  auto& st = self->state;
  st.cfg.dirty->store(false);
  auto start = self->clock().now();
  auto built = st.build(st.cfg.options.wall_clock(), applied);
  st.earliest_build = earliest_next_build(start, self->clock().now(),
                                          st.cfg.options.snapshot_cpu_share);
  if (built.unencodable > 0)
    report(self,
           caf::make_error(ec::encode_failed,
                           "snapshot of " + st.cfg.topic + " left out "
                             + std::to_string(built.unencodable)
                             + " entries: " + describe(built.first_failure)));
  if (!built.expired.empty())
    self->send(caf::actor_cast<store_actor>(st.cfg.store), expire_atom::value,
               std::move(built.expired));
  auto size = built.payload.size();
  auto fingerprint = snapshot_fingerprint(built.payload);
  auto build_time = self->clock().now() - start;
  self
    ->request(st.cfg.transport, st.cfg.options.transport_timeout,
              store_snap_atom::value, st.cfg.topic, std::move(built.payload))
    .then(
      [self, size, fingerprint, build_time, done](ok_atom) mutable {
        release_after(size);
        auto& st = self->state;
        st.cfg.persisted->store(fingerprint);
        st.failures = 0;
        auto& counters = *st.cfg.counters;
        detail::counters::add(counters.snapshots);
        detail::counters::set(counters.snapshot_bytes, size);
        detail::log_event(st.cfg.options.logger, detail::log_level::info,
                          "snapshot_written",
                          {{"topic", st.cfg.topic},
                           {"node", st.cfg.options.node_id},
                           {"bytes", std::to_string(size)},
                           {"build_ms", detail::millis(build_time)}});
        done(caf::error{});
      },
      [self, size, done](caf::error& err) mutable {
        release_after(size);
        // The replica stays dirty, so a later change does not wake us:
        // retry on our own, backing off while the transport keeps failing.
        auto& st = self->state;
        st.cfg.dirty->store(true);
        if (!st.scheduled) {
          st.scheduled = true;
          self->delayed_send(self, st.retry_delay(), tick_atom::value);
        }
        ++st.failures;
        auto failure = caf::make_error(ec::snapshot_failed,
                                       "snapshot of " + self->state.cfg.topic
                                         + ": " + describe(err));
        report(self, failure);
        done(std::move(failure));
      });
}

void persist(self_pointer self);

// Answers the waiting flushes once nothing is in flight: with the error of
// the last snapshot, or after one more snapshot if the replica changed
// meanwhile.
void settle_flushes(self_pointer self, const caf::error& last) {
  auto& st = self->state;
  if (st.in_flight > 0 || st.flushes.empty())
    return;
  if (!last && st.cfg.dirty->load()) {
    persist(self);
    return;
  }
  auto waiting = std::move(st.flushes);
  st.flushes.clear();
  for (auto& promise : waiting)
    if (last)
      promise.deliver(last);
    else
      promise.deliver(ok_atom::value);
}

// Persists, for a topic with a merger after the store joined the stored
// snapshot into its state (a failed refresh is reported by the store and
// does not hold the snapshot back).
void persist(self_pointer self) {
  auto& st = self->state;
  ++st.in_flight;
  auto finished = [self](const caf::error& err) {
    auto& st = self->state;
    --st.in_flight;
    // Changes made meanwhile woke no tick that could build (see tick_atom).
    if (st.in_flight == 0 && st.cfg.dirty->load() && !st.scheduled) {
      st.scheduled = true;
      self->delayed_send(self, st.debounce(self->clock().now()),
                         tick_atom::value);
    }
    settle_flushes(self, err);
  };
  auto store = caf::actor_cast<store_actor>(st.cfg.store);
  if (!store) {
    persist_now(self, finished, {});
    return;
  }
  // The version vector first, then the pin (in `build`): the replica then
  // holds at least what the vector claims.
  auto build = [self, store, finished] {
    self
      ->request(store, self->state.cfg.options.transport_timeout,
                applied_atom::value)
      .then(
        [self, finished](const std::vector<applied_writes>& applied) {
          persist_now(self, finished, applied);
        },
        [self, finished](const caf::error&) {
          persist_now(self, finished, {});
        });
  };
  if (!st.cfg.join_stored) {
    build();
    return;
  }
  self
    ->request(store, st.cfg.options.transport_timeout * 2, refresh_atom::value)
    .then([build](uint64_t) { build(); },
          [build](const caf::error&) { build(); });
}

} // namespace

snapshotter_actor::behavior_type snapshotter(self_pointer self,
                                             snapshotter_config cfg) {
  self->state.cfg = std::move(cfg);
  return {
    [=](dirty_atom) {
      auto& st = self->state;
      if (st.scheduled)
        return;
      st.scheduled = true;
      self->delayed_send(self, st.debounce(self->clock().now()),
                         tick_atom::value);
    },
    [=](tick_atom) {
      auto& st = self->state;
      st.scheduled = false;
      // One snapshot in flight at a time: a transport slower than our
      // interval would otherwise queue snapshot after snapshot, each the
      // size of the map. The one in flight reschedules when it ends.
      if (st.cfg.dirty->load() && st.in_flight == 0)
        persist(self);
    },
    [=](flush_atom) -> caf::result<ok_atom> {
      // A snapshot in flight may not hold the latest change, and may not be
      // stored yet: the flush answers once everything is.
      auto& st = self->state;
      if (!st.cfg.dirty->load() && st.in_flight == 0)
        return ok_atom::value;
      auto promise = self->make_response_promise<ok_atom>();
      st.flushes.push_back(promise);
      if (st.in_flight == 0)
        persist(self);
      return promise;
    },
  };
}

} // namespace podshare::actors
