#include "podshare/net/p2p/transport_ops.hpp"

#include "podshare/error.hpp"

#include <caf/actor_cast.hpp>
#include <caf/send.hpp>

namespace podshare::net::p2p {

namespace {

caf::error link_error(std::string what) {
  return caf::make_error(ec::transport_failed, std::move(what));
}

// What a failed preamble check says about the peer.
caf::error preamble_error(preamble_check x) {
  switch (x) {
    case preamble_check::tls_peer:
      return link_error("a TLS peer on a plaintext pod");
    case preamble_check::no_common_version:
      return link_error("no common p2p link version (ours: 2; a pod of an "
                        "older podshare speaks CAF's BASP)");
    default: return link_error("not a podshare p2p peer");
  }
}

// Takes the peer's preamble off the front of `data`; returns false when the
// connection ended.
bool take_preamble(self_pointer self, connection& c, const uint8_t*& data,
                   size_t& size) {
  auto n = std::min(size, preamble_size - c.preamble.size());
  c.preamble.insert(c.preamble.end(), data, data + n);
  data += n;
  size -= n;
  uint8_t version = 0;
  auto check = check_preamble(c.preamble.data(), c.preamble.size(), version);
  if (check == preamble_check::incomplete)
    return true;
  if (check != preamble_check::ok) {
    end_connection(self, c, preamble_error(check));
    return false;
  }
  c.preamble_done = true;
  return true;
}

// Handles one frame; returns false when the connection ended.
bool handle_frame(self_pointer self, connection& c, const frame_view& f) {
  auto type = static_cast<frame_type>(f.type);
  auto protocol_error = [&](const caf::error& err) {
    refuse(self, c, end_code::protocol, reason_of(err));
    return false;
  };
  if (!c.peer && type != frame_type::hello && type != frame_type::refuse
      && type != frame_type::bye)
    return protocol_error(link_error("a frame before the hello"));
  switch (type) {
    case frame_type::hello: {
      if (c.peer)
        return protocol_error(link_error("a second hello"));
      auto x = decode_hello(f.body, f.size);
      if (!x)
        return protocol_error(x.error());
      on_hello(self, c, std::move(*x));
      break;
    }
    case frame_type::refuse: {
      auto x = decode_ending(f.body, f.size);
      end_connection(self, c,
                     link_error("refused by the peer: "
                                + (x ? x->reason : reason_of(x.error()))));
      return false;
    }
    case frame_type::bye: {
      auto x = decode_ending(f.body, f.size);
      if (!x)
        return protocol_error(x.error());
      on_bye(self, c, *x);
      return false;
    }
    case frame_type::batch: on_batch(self, c, f.body, f.size); break;
    case frame_type::ack: {
      auto x = decode_ack(f.body, f.size);
      if (!x)
        return protocol_error(x.error());
      on_ack(self, c, *x);
      break;
    }
    case frame_type::snap_req: {
      auto x = decode_snap_req(f.body, f.size);
      if (!x)
        return protocol_error(x.error());
      on_snap_req(self, c, *x);
      break;
    }
    case frame_type::snap_part: {
      auto x = decode_snap_part(f.body, f.size);
      if (!x)
        return protocol_error(x.error());
      on_snap_part(self, c, *x);
      break;
    }
    case frame_type::ping: {
      auto x = decode_nonce(f.body, f.size);
      if (!x)
        return protocol_error(x.error());
      auto& out = self->state.frames;
      out.clear();
      write_pong(out, *x);
      write(self, c, out);
      break;
    }
    case frame_type::pong: break;
    case frame_type::links: {
      auto x = decode_links(f.body, f.size);
      if (!x)
        return protocol_error(x.error());
      if (auto s = self->state.session_on(c.hdl))
        s->links = std::move(*x);
      break;
    }
    case frame_type::topics: {
      auto x = decode_links(f.body, f.size);
      if (!x)
        return protocol_error(x.error());
      if (auto s = self->state.session_on(c.hdl))
        s->topics = std::move(*x);
      break;
    }
    case frame_type::direct: on_direct(self, c, f.body, f.size); break;
    default:
      // A newer peer's frame: skipped.
      break;
  }
  return !c.closing;
}

// Cuts what arrived into frames and handles them; returns false when the
// connection ended.
bool read_frames(self_pointer self, connection& c, const uint8_t* data,
                 size_t size) {
  if (size == 0) // a TLS record that carried no application data
    return true;
  if (!c.preamble_done && !take_preamble(self, c, data, size))
    return false;
  if (!c.preamble_done)
    return true;
  c.reader.feed(data, size);
  for (;;) {
    auto next = c.reader.next();
    if (!next) {
      refuse(self, c, end_code::protocol, reason_of(next.error()));
      return false;
    }
    if (!*next)
      return true;
    if (!handle_frame(self, c, **next))
      return false;
  }
}

} // namespace

void open_connection(self_pointer self, connection_handle hdl, bool dialled,
                     std::string endpoint, uint64_t generation) {
  auto& st = self->state;
  self->configure_read(hdl,
                       caf::io::receive_policy::at_most(size_t{256} * 1024));
  // One read at a time: `read_on` grants the next (ingest.cpp).
  self->trigger(hdl, 1);
  auto now = self->clock().now();
  auto& c = st.connections[hdl];
  c.hdl = hdl;
  c.endpoint = std::move(endpoint);
  c.dialled = dialled;
  c.generation = generation;
  c.opened = c.last_received = c.last_sent = now;
  if (st.tls) {
    c.tls = std::make_unique<tls_session>(
      st.tls, dialled ? tls_session::role::client : tls_session::role::server);
    if (auto err = c.tls->start()) {
      end_connection(self, c, std::move(err));
      return;
    }
  }
  auto& out = st.frames;
  out = preamble();
  write_hello(out, st.own_hello());
  write(self, c, out);
}

void write(self_pointer self, connection& c, const bytes& frames) {
  if (c.closing)
    return;
  auto& buf = self->wr_buf(c.hdl);
  if (c.tls) {
    if (auto err = c.tls->send(frames.data(), frames.size())) {
      // Ended from the mailbox: a caller may be walking the sessions.
      if (!c.failure)
        c.failure = std::move(err);
      send_self(self, close_conn_atom::value, c.hdl);
      return;
    }
    c.tls->drain(buf);
  } else {
    buf.insert(buf.end(), frames.begin(), frames.end());
  }
  flush_soon(self, c);
  c.last_sent = self->clock().now();
}

void flush_soon(self_pointer self, connection& c) {
  auto& st = self->state;
  c.unflushed = true;
  if (st.flush_scheduled)
    return;
  st.flush_scheduled = true;
  send_self(self, flush_atom::value);
}

void flush_all(self_pointer self) {
  auto& st = self->state;
  st.flush_scheduled = false;
  for (auto& [hdl, c] : st.connections) {
    if (!c.unflushed)
      continue;
    c.unflushed = false;
    self->flush(hdl);
  }
}

void on_data(self_pointer self, caf::io::new_data_msg& msg) {
  auto& st = self->state;
  auto i = st.connections.find(msg.handle);
  if (i == st.connections.end() || i->second.closing)
    return;
  auto& c = i->second;
  c.last_received = self->clock().now();
  auto* data = reinterpret_cast<const uint8_t*>(msg.buf.data());
  auto size = msg.buf.size();
  bytes plain;
  if (c.tls && !c.heard && looks_like_preamble(data, size)) {
    // A plaintext pod dialled us: tell it why, in its own terms.
    auto out = preamble();
    write_refuse(out, end_code::protocol, "this pod requires TLS");
    auto& buf = self->wr_buf(c.hdl);
    buf.insert(buf.end(), out.begin(), out.end());
    flush_soon(self, c);
    end_connection(self, c, link_error("a plaintext peer on a TLS pod"));
    return;
  }
  c.heard = true;
  if (c.tls) {
    auto err = c.tls->receive(data, size, plain);
    // The handshake's next flight, or the alert telling the peer why.
    auto& buf = self->wr_buf(c.hdl);
    auto before = buf.size();
    c.tls->drain(buf);
    if (buf.size() != before)
      flush_soon(self, c);
    if (err) {
      end_connection(self, c, std::move(err));
      return;
    }
    data = plain.data();
    size = plain.size();
  }
  if (read_frames(self, c, data, size))
    acknowledge(self, c);
  if (!c.closing)
    read_on(self, c);
}

void on_closed(self_pointer self, connection_handle hdl) {
  auto& st = self->state;
  auto i = st.connections.find(hdl);
  if (i == st.connections.end())
    return;
  auto& c = i->second;
  if (!c.closing) {
    auto why = c.failure ? c.failure
                         : link_error(c.peer ? "the connection was closed"
                                             : "the connection was closed "
                                               "during the handshake");
    end_connection(self, c, std::move(why));
  }
  st.connections.erase(hdl);
}

void end_connection(self_pointer self, connection& c, caf::error why) {
  if (c.closing)
    return;
  auto& st = self->state;
  c.closing = true;
  next_cycle(self, close_conn_atom::value, c.hdl);
  auto s = st.session_on(c.hdl);
  if (s != nullptr) {
    auto name = s->name;
    close_session(self, name, std::move(why), false);
    retry_targets_of(self, name);
    return;
  }
  if (!why || c.peer)
    return; // a duplicate or a spare connection: nothing to report
  if (c.dialled) {
    dial_failed(self, c.endpoint, c.generation, std::move(why));
    return;
  }
  st.notify({p2p_notice::kind::refused, {}, c.endpoint, std::move(why)});
}

void refuse(self_pointer self, connection& c, end_code code,
            const std::string& reason) {
  auto& out = self->state.frames;
  out.clear();
  write_refuse(out, code, reason);
  write(self, c, out);
  end_connection(self, c, link_error("refused the peer: " + reason));
}

void say_bye(self_pointer self, connection& c, end_code code,
             const std::string& reason) {
  auto& out = self->state.frames;
  out.clear();
  write_bye(out, code, reason);
  write(self, c, out);
  c.session.clear();
  end_connection(self, c, caf::error{});
}

void acknowledge(self_pointer self, connection& c) {
  if (c.closing || c.received_messages == c.acked_messages)
    return;
  c.acked_messages = c.received_messages;
  auto& out = self->state.frames;
  out.clear();
  write_ack(out, {c.received_messages, c.received_bytes});
  write(self, c, out);
}

} // namespace podshare::net::p2p
