#define CAF_SUITE net.p2p_frame

#include "podshare/net/p2p/frame.hpp"

#include "podshare/error.hpp"

#include <caf/test/unit_test.hpp>

#include <string>
#include <vector>

using namespace podshare;
using namespace podshare::net::p2p;

namespace {

// Reads every complete frame of `data`, fed `step` bytes at a time.
std::vector<std::pair<uint8_t, bytes>> frames_of(const bytes& data,
                                                 size_t step) {
  frame_reader in{size_t{1} << 20};
  std::vector<std::pair<uint8_t, bytes>> out;
  for (size_t at = 0; at < data.size(); at += step) {
    in.feed(data.data() + at, std::min(step, data.size() - at));
    for (;;) {
      auto next = in.next();
      CAF_REQUIRE(next);
      if (!*next)
        break;
      auto& f = **next;
      out.emplace_back(f.type, bytes(f.body, f.body + f.size));
    }
  }
  return out;
}

// The body of the only frame in `data`.
bytes body_of(const bytes& data) {
  auto xs = frames_of(data, data.size());
  CAF_REQUIRE_EQUAL(xs.size(), 1u);
  return xs.front().second;
}

bytes text(const std::string& x) {
  return bytes(x.begin(), x.end());
}

} // namespace

CAF_TEST(a preamble names our magic and versions and others are told apart) {
  auto ours = preamble();
  CAF_CHECK_EQUAL(ours.size(), preamble_size);
  uint8_t version = 0;
  CAF_CHECK(check_preamble(ours.data(), ours.size(), version)
            == preamble_check::ok);
  CAF_CHECK_EQUAL(version, link_version);
  CAF_CHECK(check_preamble(ours.data(), 5, version)
            == preamble_check::incomplete);
  auto future = ours;
  future[4] = 9; // speaks up to 9
  future[5] = 3; // and at least 3
  CAF_CHECK(check_preamble(future.data(), future.size(), version)
            == preamble_check::no_common_version);
  future[5] = 2;
  CAF_CHECK(check_preamble(future.data(), future.size(), version)
            == preamble_check::ok);
  CAF_CHECK_EQUAL(version, link_version);
  bytes tls_hello{0x16, 0x03, 0x01, 0x02, 0x00};
  CAF_CHECK(check_preamble(tls_hello.data(), tls_hello.size(), version)
            == preamble_check::tls_peer);
  auto http = text("GET / HTTP/1.1\r\n");
  CAF_CHECK(check_preamble(http.data(), http.size(), version)
            == preamble_check::foreign);
  CAF_CHECK(looks_like_preamble(ours.data(), ours.size()));
  CAF_CHECK(!looks_like_preamble(tls_hello.data(), tls_hello.size()));
  // A TLS record with no application data decrypts to nothing at all.
  CAF_CHECK(check_preamble(nullptr, 0, version) == preamble_check::incomplete);
  CAF_CHECK(!looks_like_preamble(nullptr, 0));
}

CAF_TEST(a hello round trips) {
  hello x;
  x.name = "pod-a";
  x.incarnation = 1765000000123456789u;
  x.endpoint = "10.0.0.1:7000";
  x.max_frame = 16u << 20;
  x.window_messages = 4096;
  x.window_bytes = 8u << 20;
  x.heartbeat_ms = 1000;
  x.topics = {"flags", "presence"};
  x.links = {"pod-b"};
  bytes out;
  write_hello(out, x);
  auto body = body_of(out);
  auto y = decode_hello(body.data(), body.size());
  CAF_REQUIRE(y);
  CAF_CHECK_EQUAL(y->name, x.name);
  CAF_CHECK_EQUAL(y->incarnation, x.incarnation);
  CAF_CHECK_EQUAL(y->endpoint, x.endpoint);
  CAF_CHECK_EQUAL(y->max_frame, x.max_frame);
  CAF_CHECK_EQUAL(y->window_messages, x.window_messages);
  CAF_CHECK_EQUAL(y->window_bytes, x.window_bytes);
  CAF_CHECK_EQUAL(y->heartbeat_ms, x.heartbeat_ms);
  CAF_CHECK_EQUAL(y->topics, x.topics);
  CAF_CHECK_EQUAL(y->links, x.links);
}

CAF_TEST(control frames round trip) {
  bytes out;
  write_refuse(out, end_code::protocol, "bad");
  write_bye(out, end_code::name_or_duplicate, "duplicate connection");
  write_ack(out, {12, 3400});
  write_snap_req(out, {7, "flags"});
  write_ping(out, 99);
  write_pong(out, 99);
  write_links(out, {"a", "b"});
  auto xs = frames_of(out, 1);
  CAF_REQUIRE_EQUAL(xs.size(), 7u);
  auto ending = decode_ending(xs[0].second.data(), xs[0].second.size());
  CAF_CHECK_EQUAL(xs[0].first, static_cast<uint8_t>(frame_type::refuse));
  CAF_REQUIRE(ending);
  CAF_CHECK_EQUAL(ending->code, static_cast<uint64_t>(end_code::protocol));
  CAF_CHECK_EQUAL(ending->reason, "bad");
  auto bye = decode_ending(xs[1].second.data(), xs[1].second.size());
  CAF_REQUIRE(bye);
  CAF_CHECK_EQUAL(bye->reason, "duplicate connection");
  auto ack = decode_ack(xs[2].second.data(), xs[2].second.size());
  CAF_REQUIRE(ack);
  CAF_CHECK_EQUAL(ack->messages, 12u);
  CAF_CHECK_EQUAL(ack->bytes, 3400u);
  auto req = decode_snap_req(xs[3].second.data(), xs[3].second.size());
  CAF_REQUIRE(req);
  CAF_CHECK_EQUAL(req->id, 7u);
  CAF_CHECK_EQUAL(req->topic, "flags");
  CAF_CHECK_EQUAL(xs[4].first, static_cast<uint8_t>(frame_type::ping));
  CAF_CHECK_EQUAL(decode_nonce(xs[4].second.data(), xs[4].second.size()),
                  uint64_t{99});
  auto links = decode_links(xs[6].second.data(), xs[6].second.size());
  CAF_REQUIRE(links);
  CAF_CHECK_EQUAL(*links, (std::vector<std::string>{"a", "b"}));
}

CAF_TEST(a topics frame and a direct frame round trip) {
  bytes out;
  write_topics(out, {"callreply:inbox:a", "flags"});
  batch_writer direct{out, frame_type::direct};
  auto payload = text("call");
  direct.add("callreply:inbox:b", "a", 9, 0, payload.data(), payload.size());
  direct.finish();
  auto xs = frames_of(out, 3);
  CAF_REQUIRE_EQUAL(xs.size(), 2u);
  CAF_CHECK_EQUAL(xs[0].first, static_cast<uint8_t>(frame_type::topics));
  auto topics = decode_links(xs[0].second.data(), xs[0].second.size());
  CAF_REQUIRE(topics);
  CAF_CHECK_EQUAL(*topics,
                  (std::vector<std::string>{"callreply:inbox:a", "flags"}));
  CAF_CHECK_EQUAL(xs[1].first, static_cast<uint8_t>(frame_type::direct));
  std::vector<message_view> messages;
  CAF_REQUIRE_EQUAL(
    decode_batch(xs[1].second.data(), xs[1].second.size(), messages),
    caf::none);
  CAF_REQUIRE_EQUAL(messages.size(), 1u);
  CAF_CHECK_EQUAL(messages[0].topic, "callreply:inbox:b");
  CAF_CHECK_EQUAL(
    bytes(messages[0].payload, messages[0].payload + messages[0].payload_size),
    payload);
}

CAF_TEST(a batch carries messages in order with their ids) {
  bytes out;
  batch_writer batch{out};
  auto p1 = text("payload one");
  bytes p2(70000, 0xab); // a payload whose length needs a 3-byte varint
  batch.add("t", "origin-a", 5, 1, p1.data(), p1.size());
  batch.add("other", "origin-b", 6, 300, p2.data(), p2.size());
  batch.add("t", "origin-a", 5, 2, nullptr, 0);
  batch.finish();
  CAF_CHECK_EQUAL(batch.count(), 3u);
  auto body = body_of(out);
  std::vector<message_view> xs;
  CAF_REQUIRE_EQUAL(decode_batch(body.data(), body.size(), xs), caf::none);
  CAF_REQUIRE_EQUAL(xs.size(), 3u);
  CAF_CHECK_EQUAL(xs[0].topic, "t");
  CAF_CHECK_EQUAL(xs[0].origin, "origin-a");
  CAF_CHECK_EQUAL(xs[0].incarnation, 5u);
  CAF_CHECK_EQUAL(xs[0].seq, 1u);
  CAF_CHECK_EQUAL(bytes(xs[0].payload, xs[0].payload + xs[0].payload_size), p1);
  CAF_CHECK_EQUAL(xs[1].seq, 300u);
  CAF_CHECK_EQUAL(xs[1].payload_size, p2.size());
  CAF_CHECK_EQUAL(xs[2].payload_size, 0u);
  // An empty batch leaves nothing behind.
  bytes none;
  batch_writer empty{none};
  empty.finish();
  CAF_CHECK(none.empty());
}

CAF_TEST(a snapshot part must lie inside its snapshot) {
  bytes data(1000, 7);
  bytes out;
  write_snap_part(out, 3, 42, 3000, 1000, data.data(), data.size());
  auto body = body_of(out);
  auto x = decode_snap_part(body.data(), body.size());
  CAF_REQUIRE(x);
  CAF_CHECK_EQUAL(x->id, 3u);
  CAF_CHECK_EQUAL(x->stored_at, 42u);
  CAF_CHECK_EQUAL(x->total, 3000u);
  CAF_CHECK_EQUAL(x->offset, 1000u);
  CAF_CHECK_EQUAL(x->size, 1000u);
  bytes past;
  write_snap_part(past, 3, 42, 1500, 1000, data.data(), data.size());
  auto past_body = body_of(past);
  CAF_CHECK(!decode_snap_part(past_body.data(), past_body.size()));
}

CAF_TEST(the frame limit is checked before the body is buffered) {
  frame_reader in{1024};
  // A header announcing 2 GiB: refused at once, with nothing buffered.
  bytes huge{0x80, 0x00, 0x00, 0x00, 3};
  in.feed(huge.data(), huge.size());
  auto next = in.next();
  CAF_REQUIRE(!next);
  CAF_CHECK_EQUAL(next.error(), ec::decode_failed);
  CAF_CHECK_LESS(in.buffered(), 16u);
  frame_reader zero;
  bytes empty_frame{0, 0, 0, 0};
  zero.feed(empty_frame.data(), empty_frame.size());
  CAF_CHECK(!zero.next());
  // At the limit is fine.
  frame_reader exact{6};
  bytes ping;
  write_ping(ping, 0x7fffffff); // 1 type byte and a 5-byte varint
  exact.feed(ping.data(), ping.size());
  auto f = exact.next();
  CAF_REQUIRE(f);
  CAF_CHECK(f->has_value());
}

CAF_TEST(malformed bodies fail with a reason and never read past the frame) {
  bytes out;
  write_hello(out, hello{"a", 1, "h:1", 1, 1, 1, 1, {"t"}, {}});
  auto body = body_of(out);
  // Every truncation fails.
  for (size_t n = 0; n < body.size(); ++n)
    CAF_CHECK(!decode_hello(body.data(), n));
  // Trailing bytes fail.
  auto longer = body;
  longer.push_back(0);
  CAF_CHECK(!decode_hello(longer.data(), longer.size()));
  // A varint of 11 bytes, and one that overflows 64 bits.
  bytes overlong(11, 0xff);
  CAF_CHECK(!decode_nonce(overlong.data(), overlong.size()));
  bytes overflow{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02};
  CAF_CHECK(!decode_nonce(overflow.data(), overflow.size()));
  bytes max{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01};
  CAF_CHECK_EQUAL(decode_nonce(max.data(), max.size()), UINT64_MAX);
  // A batch announcing a million messages in six bytes.
  bytes liar{0xc0, 0x84, 0x3d, 0, 0, 0};
  std::vector<message_view> xs;
  CAF_CHECK_NOT_EQUAL(decode_batch(liar.data(), liar.size(), xs), caf::none);
  CAF_CHECK(xs.empty());
  // A string longer than the frame.
  bytes long_str{0x05, 'a', 'b'};
  CAF_CHECK(!decode_links(long_str.data(), long_str.size()));
  // After a failed field nothing reads on: found by frame_fuzzer, where a
  // hello whose name failed went on to reserve 2^40 topics.
  bytes after_failure{0x80, 0x80, 0x80, 0x80, 0x80, 0x20};
  CAF_CHECK(!decode_hello(after_failure.data(), after_failure.size()));
}
