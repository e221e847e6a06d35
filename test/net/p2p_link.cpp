#define CAF_SUITE net.p2p_link

#include "net/p2p_pods.hpp"

#include "podshare/net/p2p/frame.hpp"

#include <caf/test/unit_test.hpp>

#include <caf/typed_event_based_actor.hpp>

#include <spdlog/sinks/null_sink.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <future>
#include <memory>
#include <unordered_map>

using namespace podshare;
using namespace podshare::testing;
using namespace std::chrono_literals;
using podshare::net::p2p_notice;

namespace {

// A subscriber that counts what the transport delivers on its topic.
std::shared_ptr<std::atomic<size_t>> count_deliveries(pod& p,
                                                      subscriber_actor& out) {
  auto n = std::make_shared<std::atomic<size_t>>(0);
  out = p.sys.spawn([n]() -> subscriber_actor::behavior_type {
    return {
      [n](deliver_atom, const std::string&, const bytes&,
          const ingest_ticket&) { ++*n; },
      [](resync_atom, const std::string&) {},
    };
  });
  auto res = p.call<ok_atom>(subscribe_atom::value, std::string{"t"}, out);
  CAF_REQUIRE(res);
  return n;
}

// A peer made by hand on a raw socket: it says hello and then nothing.
struct silent_peer {
  explicit silent_peer(uint16_t port) {
    fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = htons(port);
    CAF_REQUIRE_EQUAL(
      ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
    auto out = net::p2p::preamble();
    net::p2p::hello x;
    x.name = "ghost";
    x.incarnation = 1;
    x.endpoint = "127.0.0.1:1";
    x.max_frame = 1 << 20;
    x.window_messages = 16;
    x.window_bytes = 1 << 20;
    x.heartbeat_ms = 100;
    net::p2p::write_hello(out, x);
    CAF_REQUIRE_EQUAL(::write(fd, out.data(), out.size()),
                      static_cast<ssize_t>(out.size()));
  }

  ~silent_peer() { ::close(fd); }

  // The types of the frames the pod sent so far.
  std::vector<uint8_t> frame_types() {
    bytes buf(65536);
    pollfd p{fd, POLLIN, 0};
    while (::poll(&p, 1, 0) > 0) {
      auto n = ::read(fd, buf.data(), buf.size());
      if (n <= 0)
        break;
      received.insert(received.end(), buf.data(), buf.data() + n);
    }
    std::vector<uint8_t> types;
    if (received.size() < net::p2p::preamble_size)
      return types;
    net::p2p::frame_reader in{1 << 20};
    in.feed(received.data() + net::p2p::preamble_size,
            received.size() - net::p2p::preamble_size);
    for (auto f = in.next(); f && *f; f = in.next())
      types.push_back((*f)->type);
    return types;
  }

  int fd = -1;
  bytes received;
};

// What the process's descriptors point at, sorted.
std::vector<std::string> open_descriptors() {
  std::vector<std::string> xs;
  for (auto& entry : std::filesystem::directory_iterator{"/proc/self/fd"}) {
    std::error_code ignored;
    xs.push_back(std::filesystem::read_symlink(entry, ignored).string());
  }
  std::sort(xs.begin(), xs.end());
  return xs;
}

} // namespace

CAF_TEST(pods dialling each other at once keep one connection) {
  for (int round = 0; round < 5; ++round) {
    auto ca = named("a");
    auto cb = named("b");
    ca.dial_grace = cb.dial_grace = caf::timespan{0};
    pod a{ca};
    pod b{cb};
    CAF_REQUIRE(a.ok() && b.ok());
    std::thread other{[&] { b.add_peer(a.endpoint()); }};
    a.add_peer(b.endpoint());
    other.join();
    CAF_REQUIRE(wait_until([&] {
      return a.connected_to("b") && b.connected_to("a")
             && tcp_connections_to({a.net.port, b.net.port}) == 1;
    }));
    subscriber_actor counter;
    auto delivered = count_deliveries(b, counter);
    auto& sa = a.open("t");
    auto& sb = b.open("t");
    constexpr size_t n = 100;
    for (size_t i = 0; i < n; ++i)
      sa.set("k" + std::to_string(i), "v");
    CAF_CHECK(wait_until([&] { return sb.keys().size() == n; }));
    // One connection delivers in order: once a marker written after them
    // arrives, a second copy of any of the n would have arrived before it.
    sa.set("marker", "m");
    CAF_CHECK(wait_until([&] { return delivered->load() >= n + 1; }));
    CAF_CHECK_EQUAL(delivered->load(), n + 1);
    CAF_CHECK_EQUAL(a.connected().size(), 1u);
    CAF_CHECK_EQUAL(b.connected().size(), 1u);
    CAF_CHECK_EQUAL(tcp_connections_to({a.net.port, b.net.port}), 1u);
    caf::anon_send_exit(counter, caf::exit_reason::user_shutdown);
  }
}

CAF_TEST(a silent peer is pinged then dropped and an idle one is kept) {
  auto cfg = named("a");
  cfg.heartbeat_interval = 100ms;
  cfg.heartbeat_timeout = 300ms;
  pod a{cfg};
  CAF_REQUIRE(a.ok());
  // A live pod with nothing to say, connected before the ghost speaks: when
  // the ghost is dropped for silence, this session has been idle longer.
  auto cb = named("b", {a.endpoint()});
  cb.heartbeat_interval = 100ms;
  cb.heartbeat_timeout = 300ms;
  pod b{cb};
  CAF_REQUIRE(b.ok());
  CAF_REQUIRE(wait_until([&] { return b.connected_to("a"); }));
  // Its last word (the hello) leaves after this.
  auto spoke_at = std::chrono::steady_clock::now();
  silent_peer ghost{a.net.port};
  CAF_REQUIRE(wait_until([&] { return a.connected_to("ghost"); }));
  CAF_REQUIRE(wait_until(
    [&] { return a.notices->count(p2p_notice::kind::disconnected) >= 1; }));
  auto took = std::chrono::steady_clock::now() - spoke_at;
  CAF_MESSAGE(
    "dropped after "
    << std::chrono::duration_cast<std::chrono::milliseconds>(took).count()
    << " ms");
  // Never before the timeout, counted from its last word.
  CAF_CHECK_GREATER_OR_EQUAL(took, 300ms);
  {
    std::lock_guard<std::mutex> guard{a.notices->mtx};
    auto& last = a.notices->all.back();
    CAF_CHECK_EQUAL(last.peer, "ghost");
    CAF_CHECK_NOT_EQUAL(describe(last.reason).find("silent"),
                        std::string::npos);
  }
  auto types = ghost.frame_types();
  CAF_CHECK(std::count(types.begin(), types.end(),
                       static_cast<uint8_t>(net::p2p::frame_type::ping))
            >= 1);
  // The idle pair kept its session all along.
  CAF_CHECK_EQUAL(a.notices->count(p2p_notice::kind::disconnected), 1u);
  CAF_CHECK_EQUAL(b.notices->count(p2p_notice::kind::disconnected), 0u);
  CAF_CHECK(b.connected_to("a"));
  CAF_CHECK(a.connected_to("b"));
}

CAF_TEST(a late joiner loads a large snapshot in pieces) {
  auto cfg = named("a");
  // A small window: the answer streams under flow control.
  cfg.window_bytes = 256 * 1024;
  pod a{cfg};
  CAF_REQUIRE(a.ok());
  auto& sa = a.open("t");
  constexpr size_t keys = 200000;
  for (size_t first = 0; first < keys; first += 10000) {
    std::unordered_map<std::string, std::string> batch;
    for (auto i = first; i < first + 10000; ++i)
      batch.emplace("key-" + std::to_string(i), "value-" + std::to_string(i));
    CAF_REQUIRE(sa.set_many(batch));
  }
  size_t stored = 0;
  CAF_REQUIRE(wait_until([&] {
    auto snap = a.call<bytes>(fetch_snap_atom::value, std::string{"t"});
    if (!snap)
      return false;
    auto entries = wire::decode_snapshot(snap->data(), snap->size());
    stored = snap->size();
    return entries && entries->size() == keys;
  }));
  CAF_MESSAGE("snapshot of " << stored << " bytes");
  CAF_CHECK_GREATER(stored, 8 * net::p2p::max_part_size);
  // 14 MB can take longer than the default timeouts (2 s for the fetch,
  // 5 s for the store) under ASan on a busy machine; what this checks is
  // the pieces, not the speed.
  auto cfg_b = named("b", {a.endpoint()});
  cfg_b.fetch_timeout = 60s;
  pod b{cfg_b};
  CAF_REQUIRE(b.ok());
  CAF_REQUIRE(wait_until([&] { return b.connected_to("a"); }));
  options slow_ok;
  slow_ok.transport_timeout = 60s;
  auto& sb = b.open("t", slow_ok);
  // Right after open, without waiting for any event.
  CAF_CHECK_EQUAL(sb.keys().size(), keys);
  CAF_CHECK(reads(sb, "key-123456", "value-123456"));
}

// A subscriber that stops handling messages: the receiving pod reads on
// until its ingest budget is spent, then reads nothing more (its peer's
// window fills and the rest waits there), and hands over every message
// once the subscriber goes on.
CAF_TEST(a subscriber that falls behind holds reading to the ingest budget) {
  auto cfg_b = named("b");
  cfg_b.ingest_budget = 64 * 1024;
  pod b{cfg_b};
  CAF_REQUIRE(b.ok());
  std::promise<void> go_on;
  auto blocked = go_on.get_future().share();
  constexpr int messages = 2000;
  auto received = std::make_shared<std::atomic<int>>(0);
  auto all_received = std::make_shared<std::promise<void>>();
  auto done = all_received->get_future();
  auto subscriber = b.sys.spawn<caf::detached>(
    [blocked, received, all_received]() -> subscriber_actor::behavior_type {
      return {
        [=](deliver_atom, const std::string&, const bytes&,
            const ingest_ticket&) {
          blocked.wait();
          if (++*received == messages)
            all_received->set_value();
        },
        [](resync_atom, const std::string&) {},
      };
    });
  CAF_REQUIRE(
    b.call<ok_atom>(subscribe_atom::value, std::string{"t"}, subscriber));
  pod a{named("a", {b.endpoint()})};
  CAF_REQUIRE(a.ok());
  CAF_REQUIRE(wait_until([&] { return a.connected_to("b"); }));
  for (int i = 0; i < messages; ++i)
    CAF_REQUIRE(a.call<ok_atom>(publish_atom::value, std::string{"t"},
                                bytes(1000, static_cast<uint8_t>(i))));
  auto ingest = [&] {
    auto x = b.call<transport_status>(stats_atom::value);
    CAF_REQUIRE(x);
    return x->ingest;
  };
  // 2 MB published, held back at the budget: a read of 256 KiB and the
  // messages in it may go past it. (Over real sockets only polling tells
  // when b has read that far.)
  CAF_CHECK(wait_until([&] { return ingest().pauses >= 1; }));
  CAF_CHECK_LESS(ingest().peak, cfg_b.ingest_budget + 3 * 256 * 1024);
  CAF_CHECK_EQUAL(*received, 0);
  go_on.set_value();
  CAF_REQUIRE(done.wait_for(60s) == std::future_status::ready);
  // At most the last message is still being destroyed.
  CAF_CHECK_LESS_OR_EQUAL(ingest().in_flight,
                          1000 + 1 + ingest_budget::message_overhead);
  caf::anon_send_exit(subscriber, caf::exit_reason::user_shutdown);
}

CAF_TEST(open connect close cycles of tls pods leak nothing) {
  auto tls_file = [](const std::string& name) {
    return std::string{PODSHARE_TEST_TLS_DIR} + "/" + name;
  };
  net::p2p_tls good{
    tls_file("ca.pem"), tls_file("pod.pem"), tls_file("pod.key"), {}};
  net::p2p_tls foreign{
    tls_file("other_ca.pem"), tls_file("other.pem"), tls_file("other.key"), {}};
  pod_config cfg_a{good};
  pod_config cfg_b{good};
  pod_config cfg_c{foreign};
  caf::actor_system sys_a{cfg_a};
  caf::actor_system sys_b{cfg_b};
  caf::actor_system sys_c{cfg_c};
  auto notices = std::make_shared<notice_log>();
  // Thousands of connects: counted, not logged.
  auto quiet = std::make_shared<spdlog::logger>(
    "cycles", std::make_shared<spdlog::sinks::null_sink_mt>());
  auto start = [&](caf::actor_system& sys, std::string name,
                   std::vector<std::string> peers) {
    auto cfg = named(std::move(name), std::move(peers));
    cfg.observer = [notices](const net::p2p_notice& x) { notices->add(x); };
    cfg.logger = quiet;
    cfg.dial_grace = caf::timespan{0};
    auto h = net::spawn_p2p_transport(sys, std::move(cfg));
    CAF_REQUIRE(h);
    return *h;
  };
  auto connected = [](caf::actor_system& sys, const net::p2p_handle& h) {
    caf::scoped_actor self{sys};
    bool up = false;
    self->request(h.actor, 10s, net::peers_atom::value)
      .receive(
        [&](std::vector<net::p2p_peer>& xs) {
          up = !xs.empty() && xs.front().connected;
        },
        [](caf::error&) {});
    return up;
  };
  auto baseline = open_descriptors();
  constexpr int cycles = 1000;
  for (int i = 0; i < cycles; ++i) {
    auto a = start(sys_a, "a", {});
    auto b = start(sys_b, "b", {a.endpoint});
    std::optional<net::p2p_handle> c;
    auto refusals = notices->count(p2p_notice::kind::dial_failed);
    if (i % 10 == 0)
      c = start(sys_c, "c", {a.endpoint});
    CAF_REQUIRE(wait_until([&] { return connected(sys_b, b); }));
    if (c)
      CAF_REQUIRE(wait_until([&] {
        return notices->count(p2p_notice::kind::dial_failed) > refusals;
      }));
    net::close_transport(sys_b, b.transport());
    net::close_transport(sys_a, a.transport());
    if (c)
      net::close_transport(sys_c, c->transport());
  }
  CAF_CHECK(
    wait_until([&] { return open_descriptors().size() <= baseline.size(); }));
  CAF_MESSAGE(cycles << " cycles; descriptors before: "
                     << caf::deep_to_string(baseline)
                     << ", after: " << caf::deep_to_string(open_descriptors()));
  CAF_CHECK_EQUAL(notices->count(p2p_notice::kind::connected), 2u * cycles);
}
