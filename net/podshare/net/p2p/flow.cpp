#include "podshare/net/p2p/transport_ops.hpp"

#include "podshare/error.hpp"

#include <algorithm>

namespace podshare::net::p2p {

namespace {

// Whether `s` may send `size` more payload bytes in one more message.
bool has_credit(const peer_session& s, uint64_t size) {
  if (s.in_flight.size() >= s.window_messages)
    return false;
  // One message always fits into an empty window, however large.
  return s.in_flight.empty() || s.in_flight_bytes + size <= s.window_bytes;
}

void mark_sent(self_pointer self, peer_session& s, outbound_item item) {
  auto size = item.payload_size();
  s.in_flight_bytes += size;
  if (item.message) {
    s.bytes_out += size;
    ++s.messages_out;
    if (item.message->origin != self->state.cfg.name)
      ++s.relayed_out;
  }
  s.in_flight.push_back(
    {std::move(item), ++s.sent_messages, self->clock().now()});
}

// Appends the pieces of queued snapshot answers to `out` while the window
// allows; returns false when the front of the queue is not a snapshot.
bool write_snapshot_parts(self_pointer self, peer_session& s, bytes& out) {
  auto& front = s.queued.front();
  if (front.message)
    return false;
  if (!front.snapshot) {
    // No snapshot here: one empty answer.
    if (!has_credit(s, 0))
      return true;
    write_snap_part(out, front.request, 0, 0, 0, nullptr, 0);
    mark_sent(self, s, std::move(front));
    s.queued.pop_front();
    return true;
  }
  auto& data = front.snapshot->data;
  // A piece sent again after a connection changed keeps its size; a fresh
  // answer is cut into pieces here.
  auto piece = front.size != 0 ? front.size
                               : std::min<uint64_t>(max_part_size,
                                                    data.size() - front.offset);
  if (!has_credit(s, piece))
    return true;
  write_snap_part(out, front.request, front.snapshot->stored_at, data.size(),
                  front.offset, data.data() + front.offset, piece);
  auto sent = front;
  sent.size = piece;
  mark_sent(self, s, std::move(sent));
  if (front.size != 0 || front.offset + piece == data.size())
    s.queued.pop_front();
  else
    front.offset += piece;
  return true;
}

// Appends one batch frame of queued messages to `out` while the window and
// the peer's frame limit allow.
void write_batch(self_pointer self, peer_session& s, bytes& out) {
  auto& st = self->state;
  batch_writer batch{out};
  while (!s.queued.empty() && s.queued.front().message
         && batch.count() < st.cfg.max_batch) {
    auto& m = *s.queued.front().message;
    auto size = m.payload.size();
    auto grows = message_overhead(m.topic, m.origin) + size;
    if (!has_credit(s, size)
        || (batch.count() > 0 && batch.frame_size() + grows > s.max_frame))
      break;
    batch.add(m.topic, m.origin, m.incarnation, m.seq, m.payload.data(), size);
    mark_sent(self, s, std::move(s.queued.front()));
    s.queued.pop_front();
  }
  batch.finish();
}

} // namespace

caf::result<ok_atom> publish(self_pointer self, const std::string& topic,
                             bytes payload) {
  auto& st = self->state;
  if (st.closed) {
    ++st.counted.publish_failures;
    return closed_error();
  }
  if (payload.size() + message_overhead(topic, st.cfg.name)
      > st.cfg.max_frame) {
    ++st.counted.publish_failures;
    return caf::make_error(ec::transport_failed,
                           "a message of " + std::to_string(payload.size())
                             + " bytes does not fit in a p2p frame (max_frame "
                             + std::to_string(st.cfg.max_frame) + ")");
  }
  auto sender = self->current_sender();
  st.subscribers.deliver(self, topic, payload,
                         sender != nullptr ? sender->address()
                                           : caf::actor_addr{});
  if (st.sessions.empty())
    return ok_atom::value;
  auto msg = std::make_shared<outgoing_message>(outgoing_message{
    topic, st.cfg.name, st.incarnation, ++st.seq, std::move(payload)});
  std::vector<std::string> too_slow;
  for (auto& [name, s] : st.sessions)
    if (!enqueue(self, s, outbound_item{msg, nullptr, 0, 0, 0}))
      too_slow.push_back(name);
  drop_too_slow(self, too_slow);
  return ok_atom::value;
}

bool enqueue(self_pointer self, peer_session& s, outbound_item item) {
  if (s.queued.size() + s.in_flight.size() >= self->state.cfg.max_queue)
    return false;
  if (item.message)
    ++s.enqueued;
  s.queued.push_back(std::move(item));
  pump(self, s);
  return true;
}

void pump(self_pointer self, peer_session& s) {
  auto& st = self->state;
  auto c = st.connections.find(s.conn);
  if (s.detached || c == st.connections.end() || c->second.closing)
    return;
  auto& out = st.frames;
  out.clear();
  while (!s.queued.empty()) {
    auto before = s.queued.size();
    auto sent = s.in_flight.size();
    if (!write_snapshot_parts(self, s, out))
      write_batch(self, s, out);
    if (s.in_flight.size() == sent && s.queued.size() == before)
      break; // the window is full
  }
  if (!out.empty())
    write(self, c->second, out);
}

void drop_too_slow(self_pointer self, const std::vector<std::string>& names) {
  auto& st = self->state;
  for (auto& name : names) {
    auto i = st.sessions.find(name);
    if (i == st.sessions.end())
      continue;
    ++st.counted.peers_dropped;
    auto err = caf::make_error(ec::transport_failed,
                               "peer too slow: outbound queue full");
    st.notify({p2p_notice::kind::dropped, name, i->second.endpoint, err});
    drop_session(self, name, err);
  }
}

void on_ack(self_pointer self, connection& c, const acknowledgement& x) {
  auto s = self->state.session_on(c.hdl);
  if (s == nullptr)
    return;
  while (!s->in_flight.empty()
         && s->in_flight.front().sent_messages <= x.messages) {
    auto& done = s->in_flight.front().item;
    s->in_flight_bytes -= done.payload_size();
    if (done.message)
      ++s->acknowledged;
    s->in_flight.pop_front();
  }
  if (!self->state.syncs.empty())
    check_syncs(self);
  pump(self, *s);
}

void on_batch(self_pointer self, connection& c, const uint8_t* body,
              size_t size) {
  auto& st = self->state;
  auto& messages = st.received;
  if (auto err = decode_batch(body, size, messages)) {
    refuse(self, c, end_code::protocol, describe(err));
    return;
  }
  auto& from = c.peer->name;
  auto s = st.sessions.find(from);
  std::vector<std::string> too_slow;
  for (auto& m : messages) {
    ++c.received_messages;
    c.received_bytes += m.payload_size;
    if (s != st.sessions.end()) {
      ++s->second.messages_in;
      s->second.bytes_in += m.payload_size;
    }
    if (m.origin == st.cfg.name
        || !st.seen.first_time(m.origin, m.incarnation, m.seq))
      continue;
    std::string topic{m.topic};
    bytes payload(m.payload, m.payload + m.payload_size);
    st.subscribers.deliver(self, topic, payload, {}, st.ingest.get());
    // Relay to every peer that has no session with the origin.
    std::vector<peer_session*> relay_to;
    for (auto& [name, peer] : st.sessions)
      if (name != from && name != m.origin
          && std::find(peer.links.begin(), peer.links.end(), m.origin)
               == peer.links.end())
        relay_to.push_back(&peer);
    if (relay_to.empty())
      continue;
    auto relayed = std::make_shared<outgoing_message>(outgoing_message{
      topic, std::string{m.origin}, m.incarnation, m.seq, std::move(payload)});
    for (auto* peer : relay_to)
      if (!enqueue(self, *peer, outbound_item{relayed, nullptr, 0, 0, 0}))
        too_slow.push_back(peer->name);
  }
  drop_too_slow(self, too_slow);
}

} // namespace podshare::net::p2p
