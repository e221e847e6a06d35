#include "podshare/actors/repair.hpp"

#include "podshare/error.hpp"
#include "podshare/repair_message.hpp"

#include <caf/actor_cast.hpp>
#include <caf/typed_event_based_actor.hpp>

#include <algorithm>
#include <utility>

namespace podshare::actors::repair {

namespace {

// Sends `payload` to the repair inbox of `peer` and tells `then` how many
// received it: unicast where the transport can (p2p, Redis), a publish on
// the inbox topic where it cannot.
void send_to(store_pointer self, const std::string& peer, bytes payload,
             const std::function<void(uint64_t)>& then) {
  auto& st = self->state;
  auto topic = wire::repair_inbox(st.topic, peer);
  auto timeout = st.cfg.options.transport_timeout;
  auto inbox = caf::actor_cast<transport_inbox_actor>(st.cfg.transport);
  self->request(inbox, timeout, inbox_atom::value, topic, payload)
    .then([then](uint64_t receivers) { then(receivers); },
          [self, topic, payload, then, timeout](caf::error& err) mutable {
            if (err != caf::sec::unexpected_message) {
              self->state.report(err);
              then(0);
              return;
            }
            self
              ->request(self->state.cfg.transport, timeout, publish_atom::value,
                        topic, std::move(payload))
              .then([then](ok_atom) { then(1); },
                    [self, then](caf::error& err) {
                      self->state.report(err);
                      then(0);
                    });
          });
}

void publish(store_pointer self, const wire::repair_message& x) {
  auto& st = self->state;
  self
    ->request(st.cfg.transport, st.cfg.options.transport_timeout,
              publish_atom::value, st.repair_topic, wire::encode_repair(x))
    .then([](ok_atom) {}, [self](caf::error& err) { self->state.report(err); });
}

// Whether a digest names writes we lack. With a merger the repair is a
// snapshot load, so only the sender's own writes count: those reach us
// before its digest does (one sender's messages arrive in order), so
// lacking one means it was lost. Others' writes in its vector may merely
// be on their way to us.
bool lacks(const store_state& st, const wire::repair_message& x) {
  if (!st.cfg.values->merge)
    return st.applied.behind(x.applied);
  return std::any_of(
    x.applied.begin(), x.applied.end(), [&](const applied_writes& w) {
      return w.origin == x.from && w.incarnation == x.incarnation
             && !st.applied.covers(w.origin, w.incarnation, w.seq);
    });
}

void on_digest(store_pointer self, const wire::repair_message& x) {
  auto& st = self->state;
  ++st.digests_heard;
  if (x.ask)
    send_to(self, x.from, wire::encode_repair(st.digest(false)),
            [](uint64_t) {});
  if (lacks(st, x))
    request(self, x.from);
}

void on_request(store_pointer self, const wire::repair_message& x) {
  auto& st = self->state;
  auto answer = st.answer_repair(x);
  if (answer.kind == wire::repair_kind::full) {
    // The requester loads the stored snapshot next: let it hold what we do
    // (the requester's next try finds it there).
    st.dirty->store(true);
    self->request(st.snapshotter, caf::infinite, flush_atom::value)
      .then([](ok_atom) {}, [](const caf::error&) {});
  }
  auto payload = wire::encode_repair(answer);
  detail::counters::add(st.cfg.counters->repair_bytes_sent, payload.size());
  send_to(self, x.from, std::move(payload), [](uint64_t) {});
}

void on_answer(store_pointer self, const wire::repair_message& x) {
  auto& st = self->state;
  st.repairs_pending.erase(x.from);
  dispatch(self, st.apply_repair(x));
}

void on_full(store_pointer self, const wire::repair_message& x) {
  auto& st = self->state;
  st.repairs_pending.erase(x.from);
  detail::counters::add(st.cfg.counters->repairs_full);
  refresh(self, [](const caf::expected<uint64_t>&) {});
}

} // namespace

void changed(store_pointer self) {
  auto& st = self->state;
  auto interval = st.cfg.options.anti_entropy_interval;
  if (st.digest_armed || !st.ready || st.closed || interval.count() <= 0)
    return;
  st.digest_armed = true;
  self->delayed_send(self, interval, digest_atom::value);
}

void stop(store_pointer self) {
  auto& st = self->state;
  auto me = caf::actor_cast<subscriber_actor>(self);
  self->send(st.cfg.transport, unsubscribe_atom::value, st.repair_topic, me);
  self->send(st.cfg.transport, unsubscribe_atom::value, st.repair_inbox, me);
}

void on_message(store_pointer self, const bytes& payload) {
  auto& st = self->state;
  if (st.closed)
    return;
  auto x = wire::decode_repair(payload.data(), payload.size());
  if (!x) {
    st.report(x.error());
    return;
  }
  // Ours, back from a transport that delivers to the sender.
  if (x->from == st.node_id && x->incarnation == st.incarnation)
    return;
  switch (x->kind) {
    case wire::repair_kind::digest: on_digest(self, *x); break;
    case wire::repair_kind::request: on_request(self, *x); break;
    case wire::repair_kind::answer: on_answer(self, *x); break;
    case wire::repair_kind::full: on_full(self, *x); break;
  }
}

void request(store_pointer self, const std::string& peer) {
  auto& st = self->state;
  if (st.closed || peer == st.node_id || st.repairs_pending.count(peer) > 0)
    return;
  auto id = st.next_repair_id++;
  st.repairs_pending.emplace(peer, id);
  detail::counters::add(st.cfg.counters->repairs_requested);
  wire::repair_message x;
  x.kind = wire::repair_kind::request;
  x.from = st.node_id;
  x.incarnation = st.incarnation;
  x.applied = st.applied.entries();
  send_to(self, peer, wire::encode_repair(x), [self, peer, id](uint64_t n) {
    // Nobody listens on its inbox: the peer is gone.
    if (n == 0)
      give_up(self, peer, id);
  });
  self->delayed_send(self, st.cfg.options.transport_timeout, repair_atom::value,
                     peer, id);
}

void send_digest(store_pointer self, bool ask) {
  publish(self, self->state.digest(ask));
}

void tick(store_pointer self) {
  auto& st = self->state;
  st.digest_armed = false;
  if (st.closed || st.revision == st.revision_digested)
    return;
  st.revision_digested = st.revision;
  send_digest(self, false);
  changed(self); // the next digest, an interval on, says it again
}

void give_up(store_pointer self, const std::string& peer, uint64_t id) {
  auto& st = self->state;
  auto i = st.repairs_pending.find(peer);
  if (i == st.repairs_pending.end() || i->second != id || st.closed)
    return;
  st.repairs_pending.erase(i);
  detail::counters::add(st.cfg.counters->repairs_full);
  refresh(self, [](const caf::expected<uint64_t>&) {});
}

void after_resync(store_pointer self) {
  auto& st = self->state;
  send_digest(self, true);
  self->delayed_send(self, st.cfg.options.transport_timeout, resync_atom::value,
                     st.digests_heard);
}

void check_resync(store_pointer self, uint64_t digests_heard_before) {
  auto& st = self->state;
  if (st.closed || st.digests_heard != digests_heard_before)
    return;
  // No peer answered: none is there to repair us, but the transport's
  // snapshot may hold what we missed, or may be lost (a restarted Redis).
  detail::counters::add(st.cfg.counters->repairs_full);
  refresh(self, [self](const caf::expected<uint64_t>& adopted) {
    if (adopted)
      catch_up(self, self->state.fetched_own_snapshot);
  });
}

} // namespace podshare::actors::repair
