#define CAF_SUITE actors.receive_path

#include "podshare/actors/snapshotter.hpp"
#include "podshare/actors/store.hpp"
#include "podshare/wire.hpp"

#include "fixture.hpp"

using namespace podshare;
using namespace podshare::testing;
using namespace std::chrono_literals;

namespace {

struct fixture : store_fixture {
  fixture() : s(open("a")) {}

  version now_from(std::string origin, uint64_t seq = 1) {
    return version{clock.now->load(), std::move(origin), seq};
  }

  bool applied(const std::string& key) { return s.map->find(key) != nullptr; }

  store_handle s;
};

bytes text(const std::string& x) {
  return bytes(x.begin(), x.end());
}

} // namespace

CAF_TEST_FIXTURE_SCOPE(receive_path_tests, fixture)

// The replica keeps values decoded and encodes them again when it passes
// them on. Bytes that hold more than that gives back (here a string in a
// wider msgpack header than ours; in practice a field a newer peer added)
// must travel on unchanged: in the snapshot, in a `get` over CAF, and so to
// every pod that joins later.
CAF_TEST(bytes that re - encode differently are passed on as they came) {
  const bytes wide{0xd9, 0x02, 'h', 'i'}; // str8 "hi"; we write fixstr
  CAF_REQUIRE(encode("hi") != wide);
  event x;
  x.kind = event_kind::set;
  x.key = "k";
  x.value = wide;
  x.version = now_from("peer");
  deliver(s, wire::encode_events(wire::format::msgpack, {x}));
  CAF_CHECK_EQUAL(get(s, "k"), std::optional<std::string>{"hi"});
  auto got = call<entry>(s.actor, get_atom::value, std::string{"k"});
  CAF_REQUIRE(got);
  CAF_CHECK(got->value == wide);
  actors::snapshotter_state st;
  st.cfg.map = s.map;
  st.cfg.values = s.values;
  st.cfg.counters = s.counters;
  st.cfg.options = s.options;
  auto built = st.build(clock.now->load());
  auto entries
    = wire::decode_snapshot(built.payload.data(), built.payload.size());
  CAF_REQUIRE(entries && entries->size() == 1);
  CAF_CHECK(entries->front().value == wide);
  // Our own writes keep no second copy: they round-trip by construction.
  CAF_CHECK(set(s, "k", "hi"));
  got = call<entry>(s.actor, get_atom::value, std::string{"k"});
  CAF_REQUIRE(got);
  CAF_CHECK(got->value == encode("hi"));
  CAF_CHECK(s.map->find("k")->raw_value(s.values->layout).data == nullptr);
}

CAF_TEST(a message that does not decode is reported and dropped) {
  deliver(s, bytes{0x01, 0x02, 0x03});
  deliver(s, text("{\"v\":1,\"kind\":"));
  CAF_CHECK(reported(ec::decode_failed));
  CAF_CHECK_EQUAL(s.counters->read().writes_applied, 0u);
  CAF_CHECK(set(s, "still", "serving"));
}

CAF_TEST(a message with v 99 is rejected and reported) {
  deliver(s, text(R"({"v":99,"kind":"set","key":"k","value":"oQ==",)"
                  R"("origin":"p","timestamp":"2026-01-01T00:00:00Z",)"
                  R"("seq":1})"));
  CAF_CHECK(reported(ec::unsupported_protocol_version));
  CAF_CHECK(!applied("k"));
}

CAF_TEST(an unknown kind is rejected and reported) {
  deliver(s, text(R"({"v":1,"kind":"append","key":"k","value":"oQ==",)"
                  R"("origin":"p","timestamp":"2026-01-01T00:00:00Z",)"
                  R"("seq":1})"));
  CAF_CHECK(reported(ec::unknown_message_kind));
  CAF_CHECK(!applied("k"));
}

CAF_TEST(a value the codec rejects is reported and dropped) {
  event x;
  x.key = "k";
  x.value = bytes{0xc1}; // never valid msgpack
  x.version = now_from("p");
  deliver(s, wire::encode_events(wire::format::msgpack, {x}));
  CAF_CHECK(reported(ec::decode_failed));
  CAF_CHECK(!applied("k"));
}

CAF_TEST(a batch with one bad value applies nothing) {
  event good;
  good.key = "good";
  good.value = encode("v");
  good.version = now_from("p", 1);
  auto bad = good;
  bad.key = "bad";
  bad.value = bytes{0xc1};
  bad.version.seq = 2;
  deliver(s, wire::encode_events(wire::format::msgpack, {good, bad}));
  CAF_CHECK(!applied("good"));
  CAF_CHECK(!applied("bad"));
}

// Group commit sends several writes in one message; a write is its
// changes sharing one origin and timestamp.
CAF_TEST(a bad value drops its own write and not the others in its message) {
  event first;
  first.key = "first";
  first.value = encode("1");
  first.version = now_from("p", 1);
  auto bad = first;
  bad.key = "bad";
  bad.value = bytes{0xc1};
  bad.version = version{first.version.timestamp + 1, "p", 2};
  auto same_write = bad;
  same_write.key = "same_write";
  same_write.value = encode("2");
  same_write.version.seq = 3;
  auto other_origin = same_write;
  other_origin.key = "other_origin";
  other_origin.version.origin = "q";
  auto last = first;
  last.key = "last";
  last.version = version{first.version.timestamp + 2, "p", 4};
  auto bad_too = bad;
  bad_too.key = "bad_too";
  bad_too.version = version{first.version.timestamp + 3, "p", 5};
  deliver(s, wire::encode_events(
               wire::format::msgpack,
               {first, bad, same_write, other_origin, last, bad_too}));
  // One report for the message, however many writes it drops.
  CAF_REQUIRE_EQUAL(reports->size(), 1u);
  CAF_CHECK(reported(ec::decode_failed));
  CAF_CHECK(describe(reports->front()).find("in 2 write(s)")
            != std::string::npos);
  CAF_CHECK(!applied("bad_too"));
  CAF_CHECK(!applied("bad"));
  CAF_CHECK(!applied("same_write"));
  CAF_CHECK_EQUAL(get(s, "first"), std::optional<std::string>{"1"});
  CAF_CHECK_EQUAL(get(s, "other_origin"), std::optional<std::string>{"2"});
  CAF_CHECK_EQUAL(get(s, "last"), std::optional<std::string>{"1"});
  CAF_CHECK_EQUAL(s.counters->read().writes_applied, 3u);
}

CAF_TEST(clock skew beyond the limit is reported and still applied) {
  auto ahead = now_from("p");
  ahead.timestamp += std::chrono::nanoseconds{2min}.count();
  deliver(s, peer_event(event_kind::set, "k", "v", ahead));
  CAF_CHECK(reported(ec::clock_skew));
  CAF_CHECK_EQUAL(get(s, "k"), std::optional<std::string>{"v"});
}

CAF_TEST(clock skew within the limit is not reported) {
  auto ahead = now_from("p");
  ahead.timestamp += std::chrono::nanoseconds{30s}.count();
  deliver(s, peer_event(event_kind::set, "k", "v", ahead));
  CAF_CHECK(!reported(ec::clock_skew));
}

CAF_TEST(messages of our own origin are ignored silently) {
  deliver(s, peer_event(event_kind::set, "k", "v", now_from("a", 99)));
  CAF_CHECK(!applied("k"));
  CAF_CHECK(reports->empty());
}

CAF_TEST(the go json form of an event is applied) {
  // What a Go pod publishes: base64 of the codec's bytes (msgpack "v" is
  // 0xa1 0x76, base64 "oXY=") and an RFC 3339 timestamp with an offset.
  deliver(s,
          text(R"({"v":1,"kind":"set","key":"go","value":"oXY=",)"
               R"("origin":"gopod","timestamp":"2026-01-01T01:00:00.5+01:00",)"
               R"("seq":7,"extra":"ignored"})"));
  CAF_CHECK_EQUAL(get(s, "go"), std::optional<std::string>{"v"});
  auto* x = s.map->find("go");
  CAF_REQUIRE(x != nullptr);
  CAF_CHECK_EQUAL(x->timestamp(), epoch_2026 + 500000000);
  CAF_CHECK_EQUAL(x->seq(), 7u);
}

CAF_TEST(a message for another topic is ignored) {
  self->send(s.actor, deliver_atom::value, std::string{"other"},
             peer_event(event_kind::set, "k", "v", now_from("p")),
             ingest_ticket{});
  consume_messages();
  CAF_CHECK(!applied("k"));
}

CAF_TEST_FIXTURE_SCOPE_END()
