#include "podshare/net/redis/connection.hpp"

#include "podshare/error.hpp"

#include <caf/actor_cast.hpp>
#include <caf/io/broker.hpp>
#include <caf/io/middleman.hpp>
#include <caf/io/network/multiplexer.hpp>
#include <caf/send.hpp>

#include <algorithm>
#include <cstddef>
#include <deque>
#include <memory>
#include <vector>

namespace podshare::net::redis {

namespace {

using adopt_atom = caf::atom_constant<caf::atom("r_adopt")>;
using close_now_atom = caf::atom_constant<caf::atom("r_closenow")>;
using resume_atom = caf::atom_constant<caf::atom("r_resume")>;
using grant_atom = caf::atom_constant<caf::atom("r_grant")>;

// What a broker has yet to hand to CAF's write buffer. CAF keeps a write
// buffer's capacity for the connection's life, so a snapshot's SET written
// whole would keep its megabytes twice (CAF swaps two buffers): it goes in
// chunks, the next when CAF reports the last written.
class chunked_outbox {
public:
  static constexpr size_t chunk = size_t{256} * 1024;

  void push(bytes&& x) {
    if (!x.empty())
      queue_.push_back(std::move(x));
  }

  // Moves bytes into `buf` until it holds a chunk or nothing waits.
  void pump(std::vector<char>& buf) {
    while (!queue_.empty() && buf.size() < chunk) {
      auto& front = queue_.front();
      auto n = std::min(chunk - buf.size(), front.size() - offset_);
      auto first = front.begin() + static_cast<ptrdiff_t>(offset_);
      buf.insert(buf.end(), first, first + static_cast<ptrdiff_t>(n));
      offset_ += n;
      if (offset_ == front.size()) {
        queue_.pop_front();
        offset_ = 0;
      }
    }
  }

  bool empty() const noexcept { return queue_.empty(); }

private:
  std::deque<bytes> queue_;
  size_t offset_ = 0;
};

// When a budgeted connection may read: one read token at a time (`halt`
// would not end CAF's loop of up to 50 reads in a row; running out of
// tokens does), at most two reads the owner has not yet handled (each read
// becomes messages that the budget charges only once the owner parsed it),
// and none while the budget is spent.
class read_gate {
public:
  explicit read_gate(std::shared_ptr<ingest_budget> budget)
    : budget_(std::move(budget)) {}

  // A read arrived: its token is used up.
  void on_read() {
    token_out_ = false;
    ++unhandled_;
  }

  // The owner handled a read.
  void on_handled() {
    if (unhandled_ > 0)
      --unhandled_;
  }

  void on_room() { waiting_ = false; }

  // Grants the next read if it may happen now; else, when the budget is
  // the reason, asks it to call `resume` once there is room.
  template <class Grant, class Resume>
  void read_on(Grant grant, Resume resume) {
    if (token_out_ || waiting_ || unhandled_ >= max_unhandled)
      return;
    if (budget_->spent()) {
      waiting_ = true;
      budget_->when_room(std::move(resume));
      return;
    }
    token_out_ = true;
    grant();
  }

private:
  static constexpr size_t max_unhandled = 2;
  std::shared_ptr<ingest_budget> budget_;
  bool token_out_ = false;
  bool waiting_ = false;
  size_t unhandled_ = 0;
};

// The broker of one connection. It takes its socket in a message rather than
// at spawn, so that the scribe is created on the multiplexer's thread,
// where a broker's handlers run.
caf::behavior pipe(caf::io::broker* self, const connection_listener& owner,
                   uint64_t tag, const std::shared_ptr<ingest_budget>& budget) {
  auto hdl = std::make_shared<caf::io::connection_handle>();
  auto outbox = std::make_shared<chunked_outbox>();
  auto write_some = [self, hdl, outbox] {
    outbox->pump(self->wr_buf(*hdl));
    self->flush(*hdl);
  };
  // CAF 0.17 leaks a scribe, and its socket, that is started and closed in
  // one multiplexer cycle (a link torn down at once): its "read" and "stop
  // reading" requests cancel out, so the stream never drops its reference
  // to the scribe. A closure posted from the loop runs after the cycle's
  // requests took effect, so the close goes through that way.
  auto closing = std::make_shared<bool>(false);
  auto close_later = [self, closing] {
    if (*closing)
      return;
    *closing = true;
    // Weak: a closure the loop never runs must not keep the broker alive.
    auto me = self->address();
    self->backend().post([me] {
      if (auto broker = caf::actor_cast<caf::actor>(me))
        caf::anon_send(broker, close_now_atom::value);
    });
  };
  auto gate = budget ? std::make_shared<read_gate>(budget) : nullptr;
  // Weak: a late resume must not keep the broker alive.
  auto resume = [me = self->address()] {
    if (auto broker = caf::actor_cast<caf::actor>(me))
      caf::anon_send(broker, resume_atom::value);
  };
  // Inside a read the scribe still holds the token being used: a new one
  // keeps it reading.
  auto read_on_now = [self, hdl, gate, resume] {
    gate->read_on([self, hdl] { self->trigger(*hdl, 1); }, resume);
  };
  // Elsewhere the scribe may have just run out of tokens, and its "stop
  // reading" not yet taken effect: in CAF 0.17 a "read" asked for in the
  // same multiplexer cycle is then lost and the connection stalls. A
  // closure posted from the loop runs after the cycle, so the grant goes
  // through that way (as `close_later` does).
  auto read_on_later = [self, gate, resume] {
    gate->read_on(
      [self] {
        self->backend().post([me = self->address()] {
          if (auto broker = caf::actor_cast<caf::actor>(me))
            caf::anon_send(broker, grant_atom::value);
        });
      },
      resume);
  };
  self->monitor(owner);
  self->set_down_handler(
    [close_later](const caf::down_msg&) { close_later(); });
  return {
    [=](adopt_atom, int fd) {
      *hdl = self->add_scribe(fd);
      self->configure_read(*hdl,
                           caf::io::receive_policy::at_most(size_t{64} * 1024));
      if (gate)
        read_on_now();
      self->ack_writes(*hdl, true);
    },
    [=](const caf::io::data_transferred_msg&) {
      if (!outbox->empty())
        write_some();
    },
    [=](const caf::io::new_data_msg& msg) {
      auto first = reinterpret_cast<const uint8_t*>(msg.buf.data());
      ingest_ticket ticket;
      if (budget)
        ticket
          = budget->charge(msg.buf.size() + ingest_budget::message_overhead);
      self->send(owner, data_atom::value, tag,
                 bytes(first, first + msg.buf.size()), std::move(ticket));
      if (gate) {
        gate->on_read();
        read_on_now();
      }
    },
    [=](handled_atom) {
      if (gate) {
        gate->on_handled();
        read_on_later();
      }
    },
    [=](resume_atom) {
      gate->on_room();
      read_on_later();
    },
    [=](grant_atom) { self->trigger(*hdl, 1); },
    [=](const caf::io::connection_passivated_msg&) {
      // Out of read tokens: `read_on` grants the next.
    },
    [=](const caf::io::connection_closed_msg&) {
      self->send(owner, dropped_atom::value, tag,
                 caf::make_error(ec::transport_failed,
                                 "the redis server closed the connection"));
      self->quit();
    },
    [=](write_atom, bytes& out) {
      outbox->push(std::move(out));
      write_some();
    },
    [=](caf::close_atom) { close_later(); },
    [=](close_now_atom) {
      // Graceful: what CAF holds is written first. Bytes still in the
      // outbox (the rest of a snapshot's SET) are dropped, and Redis drops
      // the unfinished MULTI with the connection.
      self->close(*hdl);
      self->quit();
    },
  };
}

} // namespace

caf::actor spawn_pipe(caf::actor_system& sys, connection_listener owner, int fd,
                      uint64_t tag, std::shared_ptr<ingest_budget> budget) {
  auto broker = sys.middleman().spawn_broker(pipe, std::move(owner), tag,
                                             std::move(budget));
  // Before any write: messages from one sender arrive in order.
  caf::anon_send(broker, adopt_atom::value, fd);
  return broker;
}

} // namespace podshare::net::redis
