#define CAF_SUITE net.p2p

#include "net/p2p_pods.hpp"

#include "podshare/net/backoff.hpp"
#include "podshare/net/p2p/endpoint.hpp"

#include <caf/test/unit_test.hpp>

#include <caf/io/middleman.hpp>
#include <caf/scoped_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include <algorithm>
#include <atomic>
#include <unordered_map>

using namespace podshare;
using namespace podshare::testing;
using namespace std::chrono_literals;
using podshare::net::p2p_notice;

namespace {

// A subscriber that counts what the transport delivers on its topic.
subscriber_actor spawn_counter(caf::actor_system& sys,
                               std::shared_ptr<std::atomic<size_t>> n) {
  return sys.spawn([n]() -> subscriber_actor::behavior_type {
    return {
      [n](deliver_atom, const std::string&, const bytes&,
          const ingest_ticket&) { ++*n; },
      [](resync_atom, const std::string&) {},
    };
  });
}

} // namespace

// -- pure parts
// -----------------------------------------------------------------

CAF_TEST(backoff doubles up to its cap and jitters within half of it) {
  using net::backoff_delay;
  CAF_CHECK_EQUAL(backoff_delay(0, 100ms, 5s, 1.0), caf::timespan{100ms});
  CAF_CHECK_EQUAL(backoff_delay(0, 100ms, 5s, 0.0), caf::timespan{50ms});
  CAF_CHECK_EQUAL(backoff_delay(3, 100ms, 5s, 1.0), caf::timespan{800ms});
  CAF_CHECK_EQUAL(backoff_delay(30, 100ms, 5s, 1.0), caf::timespan{5s});
  CAF_CHECK_EQUAL(backoff_delay(30, 100ms, 5s, 0.0), caf::timespan{2500ms});
}

CAF_TEST(endpoints parse and bad ones give a clear error) {
  auto x = net::parse_endpoint("127.0.0.1:4000");
  CAF_REQUIRE(x);
  CAF_CHECK_EQUAL(x->host, "127.0.0.1");
  CAF_CHECK_EQUAL(x->port, 4000u);
  auto v6 = net::parse_endpoint("[::1]:5");
  CAF_REQUIRE(v6);
  CAF_CHECK_EQUAL(to_string(*v6), "[::1]:5");
  for (auto bad : {"", "host", ":80", "h:0", "h:65536", "h:x1", "::1:5"}) {
    auto res = net::parse_endpoint(bad);
    CAF_CHECK(!res);
    auto err = res ? caf::error{} : res.error();
    CAF_CHECK_EQUAL(err, ec::invalid_argument);
  }
}

// -- two pods in one process --------------------------------------------------

CAF_TEST(two transports replicate a set and a delete) {
  pod a{named("a")};
  CAF_REQUIRE(a.ok());
  pod b{named("b", {a.endpoint()})};
  CAF_REQUIRE(b.ok());
  CAF_REQUIRE(wait_until([&] { return b.connected_to("a"); }));
  CAF_CHECK(wait_until([&] { return a.connected_to("b"); }));
  auto& sa = a.open("t");
  auto& sb = b.open("t");
  CAF_CHECK(sa.set("k", "v"));
  CAF_CHECK(wait_until([&] { return reads(sb, "k", "v"); }));
  CAF_CHECK(sa.erase("k"));
  CAF_CHECK(wait_until([&] { return reads(sb, "k", std::nullopt); }));
  CAF_CHECK(sb.set("back", "yes"));
  CAF_CHECK(wait_until([&] { return reads(sa, "back", "yes"); }));
  CAF_CHECK_EQUAL(a.notices->count(p2p_notice::kind::connected), 1u);
  CAF_CHECK_EQUAL(b.notices->count(p2p_notice::kind::connected), 1u);
}

CAF_TEST(pods listing each other keep one session and deliver each event once) {
  pod a{named("a")};
  pod b{named("b")};
  CAF_REQUIRE(a.ok() && b.ok());
  // Both dial at about the same time.
  CAF_CHECK_EQUAL(a.add_peer(b.endpoint()), caf::error{});
  CAF_CHECK_EQUAL(b.add_peer(a.endpoint()), caf::error{});
  CAF_REQUIRE(
    wait_until([&] { return a.connected_to("b") && b.connected_to("a"); }));
  auto& sa = a.open("t");
  auto& sb = b.open("t");
  auto delivered = std::make_shared<std::atomic<size_t>>(0);
  // The transport holds subscribers weakly: keep the counter alive here.
  auto counter = spawn_counter(b.sys, delivered);
  {
    caf::scoped_actor self{b.sys};
    self
      ->request(b.net.actor, 5s, subscribe_atom::value, std::string{"t"},
                counter)
      .receive([](ok_atom) {}, [](caf::error& err) { CAF_FAIL(err); });
  }
  constexpr size_t n = 200;
  for (size_t i = 0; i < n; ++i)
    sa.set("k" + std::to_string(i), "v");
  CAF_CHECK(wait_until([&] { return sb.keys().size() == n; }));
  CAF_CHECK(wait_until([&] { return delivered->load() >= n; }));
  // A session delivers in order and the pods keep one (checked below), so a
  // duplicate of the first n writes would arrive before this sentinel.
  sa.set("sentinel", "v");
  CAF_CHECK(wait_until([&] { return sb.get("sentinel").has_value(); }));
  CAF_CHECK(wait_until([&] { return delivered->load() >= n + 1; }));
  CAF_CHECK_EQUAL(delivered->load(), n + 1);
  CAF_CHECK_EQUAL(sb.stats().writes_rejected, 0u);
  CAF_CHECK_EQUAL(sb.stats().writes_applied, n + 1);
  CAF_CHECK_EQUAL(a.connected().size(), 1u);
  CAF_CHECK_EQUAL(b.connected().size(), 1u);
  // One TCP connection between the two pods, not one per direction.
  CAF_CHECK_EQUAL(tcp_connections_to({a.net.port, b.net.port}), 1u);
  CAF_CHECK_EQUAL(a.notices->count(p2p_notice::kind::connected), 1u);
  CAF_CHECK_EQUAL(b.notices->count(p2p_notice::kind::connected), 1u);
}

CAF_TEST(one transport serves several topics without mixing them) {
  pod a{named("a")};
  pod b{named("b", {a.endpoint()})};
  CAF_REQUIRE(a.ok() && b.ok());
  CAF_REQUIRE(wait_until([&] { return b.connected_to("a"); }));
  auto& a1 = a.open("one");
  auto& a2 = a.open("two");
  auto& b1 = b.open("one");
  auto& b2 = b.open("two");
  a1.set("k", "1");
  a2.set("k", "2");
  CAF_CHECK(
    wait_until([&] { return reads(b1, "k", "1") && reads(b2, "k", "2"); }));
}

CAF_TEST(a partition and its heal converge with no application call) {
  pod a{named("a")};
  pod b{named("b", {a.endpoint()})};
  CAF_REQUIRE(a.ok() && b.ok());
  CAF_CHECK_EQUAL(a.add_peer(b.endpoint()), caf::error{});
  CAF_REQUIRE(
    wait_until([&] { return a.connected_to("b") && b.connected_to("a"); }));
  auto& sa = a.open("t");
  auto& sb = b.open("t");
  sa.set("before", "1");
  CAF_CHECK(wait_until([&] { return reads(sb, "before", "1"); }));
  // The split.
  CAF_CHECK_EQUAL(a.remove_peer(b.endpoint()), caf::error{});
  CAF_CHECK_EQUAL(b.remove_peer(a.endpoint()), caf::error{});
  CAF_REQUIRE(
    wait_until([&] { return a.connected().empty() && b.connected().empty(); }));
  CAF_CHECK(a.notices->count(p2p_notice::kind::disconnected) >= 1u);
  // remove_peer closes the TCP connection, not only the session.
  CAF_CHECK(wait_until([&] {
    return tcp_connections_to({a.net.port, b.net.port}) == 0;
  }));
  sa.set("from_a", "x");
  sb.set("from_b", "y");
  sb.erase("before");
  CAF_CHECK(reads(sb, "from_a", std::nullopt));
  CAF_CHECK(reads(sa, "from_b", std::nullopt));
  // The heal: the stores refresh by themselves.
  CAF_CHECK_EQUAL(a.add_peer(b.endpoint()), caf::error{});
  CAF_CHECK_EQUAL(b.add_peer(a.endpoint()), caf::error{});
  CAF_CHECK(wait_until([&] {
    return reads(sb, "from_a", "x") && reads(sa, "from_b", "y")
           && reads(sa, "before", std::nullopt);
  }));
  CAF_CHECK_EQUAL(sa.snapshot(), sb.snapshot());
}

CAF_TEST(a partition healed after 10 writes moves about 10 entries) {
  pod a{named("a")};
  pod b{named("b", {a.endpoint()})};
  CAF_REQUIRE(a.ok() && b.ok());
  CAF_REQUIRE(
    wait_until([&] { return a.connected_to("b") && b.connected_to("a"); }));
  auto& sa = a.open("t");
  auto& sb = b.open("t");
  constexpr size_t keys = 100000;
  std::unordered_map<std::string, std::string> batch;
  for (size_t i = 0; i < keys; ++i) {
    batch.emplace("key" + std::to_string(i), "v");
    if (batch.size() == 5000) {
      CAF_REQUIRE(sa.set_many(batch));
      batch.clear();
    }
  }
  CAF_REQUIRE(wait_until([&] { return sb.stats().keys == keys; }));
  CAF_CHECK_EQUAL(a.remove_peer(b.endpoint()), caf::error{});
  CAF_CHECK_EQUAL(b.remove_peer(a.endpoint()), caf::error{});
  CAF_REQUIRE(
    wait_until([&] { return a.connected().empty() && b.connected().empty(); }));
  for (int i = 0; i < 10; ++i)
    CAF_CHECK(sa.set("missed" + std::to_string(i), "m"));
  CAF_CHECK_EQUAL(a.add_peer(b.endpoint()), caf::error{});
  CAF_CHECK(wait_until([&] { return sb.stats().keys == keys + 10; }));
  auto sent = sa.stats().repair_entries_sent;
  CAF_MESSAGE("a sent " << sent << " entries, " << sa.stats().repair_bytes_sent
                        << " bytes");
  CAF_CHECK_GREATER_OR_EQUAL(sent, 10u);
  CAF_CHECK_LESS_OR_EQUAL(sent, 12u);
  CAF_CHECK_EQUAL(sb.stats().repairs_full, 0u);
}

CAF_TEST(sync_peers reconciles a changing set) {
  pod a{named("a")};
  pod b{named("b")};
  pod c{named("c")};
  CAF_REQUIRE(a.ok() && b.ok() && c.ok());
  CAF_CHECK_EQUAL(c.sync_peers({a.endpoint(), b.endpoint()}), caf::error{});
  CAF_CHECK(wait_until([&] { return c.connected().size() == 2; }));
  CAF_CHECK_EQUAL(c.sync_peers({b.endpoint()}), caf::error{});
  CAF_CHECK(wait_until([&] {
    return c.connected() == std::vector<std::string>{"b"}
           && a.connected().empty();
  }));
  // The same set again changes nothing.
  CAF_CHECK_EQUAL(c.sync_peers({b.endpoint(), b.endpoint()}), caf::error{});
  CAF_CHECK_EQUAL(c.peers().size(), 1u);
  CAF_CHECK_EQUAL(c.notices->count(p2p_notice::kind::connected), 2u);
  // A bad endpoint fails the whole call and changes nothing.
  auto err = c.sync_peers({a.endpoint(), "nonsense"});
  CAF_CHECK_EQUAL(err, ec::invalid_argument);
  CAF_CHECK_EQUAL(c.peers().size(), 1u);
  CAF_CHECK_EQUAL(c.sync_peers({}), caf::error{});
  CAF_CHECK(wait_until([&] { return c.peers().empty(); }));
}

CAF_TEST(sync answers once every connected peer acknowledged) {
  pod a{named("a")};
  CAF_REQUIRE(a.ok());
  pod b{named("b", {a.endpoint()})};
  CAF_REQUIRE(b.ok());
  CAF_REQUIRE(wait_until([&] { return a.connected_to("b"); }));
  auto& sa = a.open("t");
  b.open("t");
  // A burst, then sync at once: whatever was still unacknowledged then is
  // acknowledged when it answers.
  std::unordered_map<std::string, std::string> burst;
  for (int i = 0; i < 5000; ++i)
    burst.emplace("k" + std::to_string(i), std::string(100, 'x'));
  CAF_REQUIRE(sa.set_many(burst));
  CAF_REQUIRE(a.call<ok_atom>(sync_atom::value));
  auto peers = a.peers();
  auto b_peer = std::find_if(peers.begin(), peers.end(),
                             [](auto& x) { return x.name == "b"; });
  CAF_REQUIRE(b_peer != peers.end());
  CAF_CHECK_EQUAL(b_peer->queued, 0u);
  // Alone, with no peer configured, there is nobody to wait for.
  pod lone{named("lone")};
  CAF_REQUIRE(lone.ok());
  CAF_CHECK(lone.call<ok_atom>(sync_atom::value));
  // A configured peer that is down cannot acknowledge.
  pod cut{named("cut", {"127.0.0.1:1"})};
  CAF_REQUIRE(cut.ok());
  auto res = cut.call<ok_atom>(sync_atom::value);
  CAF_REQUIRE(!res);
  CAF_CHECK_EQUAL(res.error(), ec::transport_failed);
}

CAF_TEST(a lone pod opens without waiting and reports failed dials) {
  // Port 1 on loopback refuses connections.
  auto cfg = named("a", {"127.0.0.1:1"});
  // No peer means no wait at all. A wait for the fetch timeout would take a
  // minute, far beyond what a loaded machine adds to an open.
  cfg.fetch_timeout = 60s;
  pod a{std::move(cfg)};
  CAF_REQUIRE(a.ok());
  auto start = std::chrono::steady_clock::now();
  auto& s = a.open("t");
  auto took = std::chrono::steady_clock::now() - start;
  CAF_CHECK_LESS(took, 30s);
  CAF_CHECK(s.set("k", "v"));
  CAF_CHECK(wait_until(
    [&] { return a.notices->count(p2p_notice::kind::dial_failed) >= 2; }));
}

CAF_TEST(a late joiner gets its snapshot from a peer) {
  pod a{named("a")};
  CAF_REQUIRE(a.ok());
  auto& sa = a.open("t");
  sa.set("k", "v");
  sa.set("gone", "x");
  sa.erase("gone");
  // Wait until A's snapshotter has stored the snapshot at its transport.
  CAF_REQUIRE(wait_until([&] {
    auto snap = a.call<bytes>(fetch_snap_atom::value, std::string{"t"});
    return snap && !snap->empty();
  }));
  pod b{named("b", {a.endpoint()})};
  CAF_REQUIRE(b.ok());
  CAF_REQUIRE(wait_until([&] { return b.connected_to("a"); }));
  auto& sb = b.open("t");
  // Right after open, without waiting for any event.
  CAF_CHECK(reads(sb, "k", "v"));
  CAF_CHECK(reads(sb, "gone", std::nullopt));
}

CAF_TEST(a remote client reaches a store through the entry actor) {
  auto cfg = named("a");
  cfg.client_port = 0;
  pod a{cfg};
  CAF_REQUIRE(a.ok());
  auto& sa = a.open("t");
  sa.set("k", "v");
  pod_config client_cfg;
  caf::actor_system client{client_cfg};
  auto entry = client.middleman().remote_actor<net::p2p_entry_actor>(
    "127.0.0.1", a.net.client_port);
  CAF_REQUIRE(entry);
  caf::scoped_actor self{client};
  store_actor remote;
  self->request(*entry, 5s, net::get_store_atom::value, std::string{"t"})
    .receive([&](store_actor& x) { remote = x; },
             [](caf::error& err) { CAF_FAIL(err); });
  CAF_REQUIRE(remote);
  self->request(remote, 5s, get_atom::value, std::string{"k"})
    .receive(
      [&](podshare::entry& x) {
        CAF_CHECK(!x.tombstone);
        auto v = msgpack_codec<std::string>::encode("v");
        CAF_CHECK_EQUAL(x.value, *v);
      },
      [](caf::error& err) { CAF_FAIL(err); });
  self
    ->request(
      remote, 5s, set_atom::value,
      write_item{"k2", *msgpack_codec<std::string>::encode("w"), nullptr})
    .receive([](version&) {}, [](caf::error& err) { CAF_FAIL(err); });
  CAF_CHECK(reads(sa, "k2", "w"));
  // Watch from the client's node: the store's registry sends the events
  // across.
  auto seen = std::make_shared<std::atomic<size_t>>(0);
  auto watcher = client.spawn([seen]() -> watcher_actor::behavior_type {
    return {
      [seen](event_atom, watch_id, const event_batch& xs) {
        for (auto& x : xs.events())
          if (x.key == "watched")
            ++*seen;
      },
      [](watch_end_atom, watch_id, watch_end) {},
    };
  });
  self
    ->request(remote, 5s, watch_atom::value, watch_filter::prefix("watch"),
              watcher)
    .receive([](watch_id) {}, [](caf::error& err) { CAF_FAIL(err); });
  sa.set("watched", "1");
  sa.set("other", "2");
  CAF_CHECK(wait_until([&] { return seen->load() == 1; }));
  // A remote node knows the watcher, so CAF keeps it registered until it
  // exits: end it, or the client's actor system waits for it forever.
  self->send_exit(watcher, caf::exit_reason::user_shutdown);
  auto missing = self->request(*entry, 5s, net::get_store_atom::value,
                               std::string{"nope"});
  missing.receive(
    [](store_actor&) { CAF_FAIL("a store for no topic"); },
    [](caf::error& err) { CAF_CHECK_EQUAL(err, ec::invalid_argument); });
}

CAF_TEST(a peer that cannot keep up is dropped reported and reconnected) {
  auto cfg = named("a");
  cfg.max_queue = 4;
  pod a{cfg};
  pod b{named("b", {a.endpoint()})};
  CAF_REQUIRE(a.ok() && b.ok());
  CAF_REQUIRE(wait_until([&] { return a.connected_to("b"); }));
  auto& sa = a.open("t");
  auto& sb = b.open("t");
  // A burst far beyond four messages per round trip.
  for (int i = 0; i < 2000; ++i)
    caf::anon_send(a.net.actor, publish_atom::value, std::string{"noise"},
                   bytes{1, 2, 3});
  CAF_CHECK(wait_until(
    [&] { return a.notices->count(p2p_notice::kind::dropped) >= 1; }));
  CAF_CHECK(wait_until([&] {
    return a.notices->count(p2p_notice::kind::connected) >= 2
           && a.connected_to("b");
  }));
  CAF_CHECK(sa.set("k", "v"));
  CAF_CHECK(wait_until([&] { return reads(sb, "k", "v"); }));
}
