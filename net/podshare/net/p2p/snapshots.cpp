#include "podshare/net/p2p/transport_ops.hpp"

#include "podshare/error.hpp"

namespace podshare::net::p2p {

caf::result<ok_atom> store_snap(self_pointer self, const std::string& topic,
                                bytes payload) {
  auto& st = self->state;
  if (st.closed)
    return closed_error();
  // Answers being streamed keep the snapshot they started with.
  st.snapshots[topic] = std::make_shared<const stored_snapshot>(
    stored_snapshot{now_ns(), std::move(payload)});
  return ok_atom::value;
}

// Asks every peer with a session for its snapshot and answers the union
// under LWW of the non-empty answers (ours included) that arrive within
// `fetch_timeout` (see snapshot_join.hpp for why not only the freshest);
// with no peer it answers ours, or nothing, at once.
caf::result<bytes> fetch_snap(self_pointer self, const std::string& topic) {
  auto& st = self->state;
  if (st.closed)
    return closed_error();
  bytes local;
  if (auto i = st.snapshots.find(topic); i != st.snapshots.end())
    local = i->second->data;
  auto id = st.next_fetch++;
  snapshot_fetch f;
  f.topic = topic;
  auto& out = st.frames;
  for (auto& [name, s] : st.sessions) {
    auto c = st.connections.find(s.conn);
    if (s.detached || c == st.connections.end() || c->second.closing)
      continue;
    out.clear();
    write_snap_req(out, {id, topic});
    write(self, c->second, out);
    f.pending.emplace(name, bytes{});
  }
  if (f.pending.empty())
    return local;
  if (!local.empty())
    f.answers.push_back(std::move(local));
  f.promise = self->make_response_promise<bytes>();
  f.started = self->clock().now();
  auto promise = f.promise;
  st.fetches.emplace(id, std::move(f));
  later(self, st.cfg.fetch_timeout, fetch_done_atom::value, id);
  return promise;
}

void on_snap_req(self_pointer self, connection& c, const snapshot_request& x) {
  auto& st = self->state;
  auto s = st.sessions.find(c.peer->name);
  if (s == st.sessions.end())
    return;
  outbound_item answer;
  answer.request = x.id;
  if (auto i = st.snapshots.find(x.topic);
      i != st.snapshots.end() && !i->second->data.empty())
    answer.snapshot = i->second;
  if (!enqueue(self, s->second, std::move(answer)))
    drop_too_slow(self, {s->second.name});
}

void on_snap_part(self_pointer self, connection& c, const part_view& x) {
  auto& st = self->state;
  ++c.received_messages;
  c.received_bytes += x.size;
  auto f = st.fetches.find(x.id);
  if (f == st.fetches.end())
    return; // answered already
  auto answer = f->second.pending.find(c.peer->name);
  if (answer == f->second.pending.end())
    return;
  auto& data = answer->second;
  auto fail = [&](std::string why) {
    st.notify({p2p_notice::kind::error, c.peer->name, c.endpoint,
               caf::make_error(ec::snapshot_failed, std::move(why))});
    f->second.pending.erase(answer);
  };
  if (x.total > st.cfg.max_snapshot) {
    fail("a snapshot of " + std::to_string(x.total)
         + " bytes exceeds max_snapshot");
  } else if (x.offset < data.size()) {
    return; // a piece sent again after a connection changed
  } else if (x.offset > data.size()) {
    fail("a snapshot piece out of order");
  } else {
    if (data.empty())
      data.reserve(x.total);
    data.insert(data.end(), x.data, x.data + x.size);
    if (data.size() < x.total)
      return;
    if (!data.empty())
      f->second.answers.push_back(std::move(data));
    f->second.pending.erase(answer);
  }
  if (f->second.pending.empty())
    finish_fetch(self, x.id);
}

void finish_fetch(self_pointer self, uint64_t id) {
  auto& st = self->state;
  auto i = st.fetches.find(id);
  if (i == st.fetches.end())
    return;
  auto f = std::move(i->second);
  st.fetches.erase(i);
  ++st.counted.snapshot_fetches;
  st.counted.snapshot_fetch_ns
    += static_cast<uint64_t>((self->clock().now() - f.started).count());
  if (f.answers.size() <= 1) {
    f.promise.deliver(f.answers.empty() ? bytes{} : std::move(f.answers[0]));
    return;
  }
  // Decoding and encoding a large snapshot must not stall every link.
  auto promise = f.promise;
  self
    ->request(st.joiner, caf::infinite, join_atom::value, std::move(f.answers))
    .then([promise](bytes& joined) mutable { promise.deliver(joined); },
          [self, promise](caf::error& err) mutable {
            self->state.notify({p2p_notice::kind::error, {}, {}, err});
            promise.deliver(bytes{});
          });
}

void forget_answers_of(self_pointer self, const std::string& peer) {
  std::vector<uint64_t> done;
  for (auto& [id, f] : self->state.fetches)
    if (f.pending.erase(peer) > 0 && f.pending.empty())
      done.push_back(id);
  for (auto id : done)
    finish_fetch(self, id);
}

} // namespace podshare::net::p2p
