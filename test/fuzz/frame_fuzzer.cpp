// Feeds arbitrary bytes to the p2p link protocol's reader (docs/protocol.md):
// a preamble, then frames cut at an arbitrary point, each handed to its
// body decoder. Decoding may fail, but never crash, hang, throw or read past
// a frame; a hello or batch that decodes must encode back to a body that
// decodes to the same fields, or the fuzzer aborts.

#include "podshare/net/p2p/frame.hpp"

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

using namespace podshare;
using namespace podshare::net::p2p;

namespace {

void require(bool condition, const char* what) {
  if (!condition) {
    std::fprintf(stderr, "frame_fuzzer: %s\n", what);
    std::abort();
  }
}

// The body of the only frame in `frame`.
frame_view only_frame(frame_reader& in, const bytes& frame) {
  in.feed(frame.data(), frame.size());
  auto next = in.next();
  require(next && next->has_value(), "a frame we wrote does not read back");
  return **next;
}

void check_hello(const frame_view& f) {
  auto x = decode_hello(f.body, f.size);
  if (!x)
    return;
  bytes again;
  write_hello(again, *x);
  frame_reader in{size_t{1} << 31};
  auto g = only_frame(in, again);
  auto y = decode_hello(g.body, g.size);
  require(y && y->name == x->name && y->incarnation == x->incarnation
            && y->endpoint == x->endpoint && y->max_frame == x->max_frame
            && y->window_messages == x->window_messages
            && y->window_bytes == x->window_bytes
            && y->heartbeat_ms == x->heartbeat_ms && y->topics == x->topics
            && y->links == x->links,
          "a hello changed in a round trip");
}

void check_batch(const frame_view& f) {
  std::vector<message_view> xs;
  if (decode_batch(f.body, f.size, xs))
    return;
  bytes again;
  batch_writer batch{again};
  for (auto& x : xs)
    batch.add(x.topic, x.origin, x.incarnation, x.seq, x.payload,
              x.payload_size);
  batch.finish();
  if (xs.empty()) {
    require(again.empty(), "an empty batch left a frame");
    return;
  }
  frame_reader in{size_t{1} << 31};
  auto g = only_frame(in, again);
  std::vector<message_view> ys;
  require(!decode_batch(g.body, g.size, ys) && ys.size() == xs.size(),
          "a batch changed size in a round trip");
  for (size_t i = 0; i < xs.size(); ++i)
    require(ys[i].topic == xs[i].topic && ys[i].origin == xs[i].origin
              && ys[i].incarnation == xs[i].incarnation
              && ys[i].seq == xs[i].seq
              && ys[i].payload_size == xs[i].payload_size
              && std::equal(xs[i].payload, xs[i].payload + xs[i].payload_size,
                            ys[i].payload),
            "a batch message changed in a round trip");
}

void decode(const frame_view& f) {
  switch (static_cast<frame_type>(f.type)) {
    case frame_type::hello: check_hello(f); break;
    case frame_type::refuse:
    case frame_type::bye:
      static_cast<void>(decode_ending(f.body, f.size));
      break;
    case frame_type::batch: check_batch(f); break;
    case frame_type::ack: static_cast<void>(decode_ack(f.body, f.size)); break;
    case frame_type::snap_req:
      static_cast<void>(decode_snap_req(f.body, f.size));
      break;
    case frame_type::snap_part: {
      auto x = decode_snap_part(f.body, f.size);
      if (x)
        require(x->data >= f.body && x->data + x->size <= f.body + f.size
                  && x->offset + x->size <= x->total,
                "a snapshot part outside its frame or snapshot");
      break;
    }
    case frame_type::ping:
    case frame_type::pong:
      static_cast<void>(decode_nonce(f.body, f.size));
      break;
    case frame_type::links:
      static_cast<void>(decode_links(f.body, f.size));
      break;
    default: break;
  }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  uint8_t version = 0;
  if (check_preamble(data, size, version) != preamble_check::ok)
    return 0;
  data += preamble_size;
  size -= preamble_size;
  // The stream arrives in two reads, split where its first byte says.
  auto split = size == 0 ? 0 : data[0] % (size + 1);
  frame_reader in{handshake_frame_limit};
  for (auto [at, n] : {std::pair<size_t, size_t>{0, split},
                       std::pair<size_t, size_t>{split, size - split}}) {
    in.feed(data + at, n);
    for (;;) {
      auto next = in.next();
      if (!next)
        return 0; // a bad length ends the connection
      if (!*next)
        break;
      decode(**next);
    }
  }
  return 0;
}
