#include "podshare/net/p2p/transport_ops.hpp"

#include "podshare/error.hpp"

#include <algorithm>

// Inboxes: a message meant for the one pod whose store subscribes to its
// topic (a callreply pod's inbox) goes to that peer alone, in a `direct`
// frame outside flow control, and is never relayed (docs/p2p.md).
namespace podshare::net::p2p {

caf::result<uint64_t> inbox(self_pointer self, const std::string& topic,
                            const bytes& payload) {
  auto& st = self->state;
  if (st.closed)
    return closed_error();
  if (payload.size() + message_overhead(topic, st.cfg.name) > st.cfg.max_frame)
    return caf::make_error(ec::transport_failed,
                           "a message of " + std::to_string(payload.size())
                             + " bytes does not fit in a p2p frame");
  uint64_t reached = st.subscribers.deliver(self, topic, payload);
  auto& out = st.frames;
  for (auto& [name, s] : st.sessions) {
    if (std::find(s.topics.begin(), s.topics.end(), topic) == s.topics.end())
      continue;
    auto c = st.connections.find(s.conn);
    if (s.detached || c == st.connections.end() || c->second.closing)
      continue;
    out.clear();
    batch_writer direct{out, frame_type::direct};
    direct.add(topic, st.cfg.name, st.incarnation, 0, payload.data(),
               payload.size());
    direct.finish();
    write(self, c->second, out);
    ++reached;
  }
  return reached;
}

void on_direct(self_pointer self, connection& c, const uint8_t* body,
               size_t size) {
  auto& st = self->state;
  if (st.session_on(c.hdl) == nullptr)
    return; // before the hello: nobody to hear from yet
  auto& messages = st.received;
  if (auto err = decode_batch(body, size, messages)) {
    refuse(self, c, end_code::protocol, describe(err));
    return;
  }
  // Not counted for acknowledgement: the sender does not hold it.
  for (auto& m : messages)
    st.subscribers.deliver(self, std::string{m.topic},
                           bytes(m.payload, m.payload + m.payload_size), {},
                           st.ingest.get());
}

void announce_topics(self_pointer self) {
  auto& out = self->state.frames;
  out.clear();
  write_topics(out, self->state.subscribers.topics());
  write_to_sessions(self, out);
}

} // namespace podshare::net::p2p
