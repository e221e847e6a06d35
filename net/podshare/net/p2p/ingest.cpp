#include "podshare/net/p2p/transport_ops.hpp"

// Each connection reads with one token at a time, and gets the next only
// while the ingest budget has room: while the stores are behind by the
// budget, nothing more is read, the peers' windows fill and their messages
// wait in their queues (docs/p2p.md, "Flow control"). Tokens, because
// `halt` does not end CAF's loop of up to 50 reads in a row.
namespace podshare::net::p2p {

namespace {

// The connection ran out of tokens, and its "stop reading" may not have
// taken effect yet: in CAF 0.17 a "read" asked for in the same multiplexer
// cycle is then lost and the connection stalls. A closure posted from the
// loop runs after the cycle, so the grant goes through that way.
void grant_later(self_pointer self, connection_handle hdl) {
  self->backend().post([me = self->address(), hdl] {
    if (auto broker = caf::actor_cast<caf::actor>(me))
      caf::anon_send(broker, grant_atom::value, hdl);
  });
}

} // namespace

void read_on(self_pointer self, connection& c) {
  auto& st = self->state;
  if (!st.ingest->spent()) {
    self->trigger(c.hdl, 1);
    return;
  }
  c.waiting_for_room = true;
  if (st.reading_paused)
    return;
  st.reading_paused = true;
  // Weak: a release after the broker is gone sends nothing.
  st.ingest->when_room([me = self->address()] {
    if (auto broker = caf::actor_cast<caf::actor>(me))
      caf::anon_send(broker, room_atom::value);
  });
}

void resume_reading(self_pointer self) {
  auto& st = self->state;
  if (!st.reading_paused)
    return;
  st.reading_paused = false;
  auto now = self->clock().now();
  for (auto& [hdl, c] : st.connections) {
    if (c.closing)
      continue;
    c.last_received = now;
    if (!c.peer)
      c.opened = now;
    if (c.waiting_for_room) {
      c.waiting_for_room = false;
      grant_later(self, hdl);
    }
  }
}

} // namespace podshare::net::p2p
