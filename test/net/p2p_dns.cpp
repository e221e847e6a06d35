#define CAF_SUITE net.p2p_dns

#include "net/p2p_pods.hpp"

#include "podshare/net/p2p/dns_discoverer.hpp"

#include <caf/test/unit_test.hpp>

#include <caf/send.hpp>

#include <mutex>

using namespace podshare;
using namespace podshare::testing;
using namespace std::chrono_literals;
using podshare::net::p2p_notice;

namespace {

// A resolver whose answer the test changes: addresses, or an error.
struct fake_dns {
  net::dns_resolver resolver() {
    return
      [this](const std::string&) -> caf::expected<std::vector<std::string>> {
        std::lock_guard<std::mutex> guard{mtx};
        ++lookups;
        if (fail)
          return caf::make_error(ec::transport_failed, "SERVFAIL");
        return addrs;
      };
  }

  void answer(std::vector<std::string> xs) {
    std::lock_guard<std::mutex> guard{mtx};
    addrs = std::move(xs);
    fail = false;
  }

  void break_it() {
    std::lock_guard<std::mutex> guard{mtx};
    fail = true;
  }

  std::mutex mtx;
  std::vector<std::string> addrs;
  bool fail = false;
  size_t lookups = 0;
};

// A pod on `host`, listening on `port`.
net::p2p_config on(const std::string& name, const std::string& host,
                   uint16_t port) {
  auto cfg = named(name);
  cfg.host = host;
  cfg.port = port;
  return cfg;
}

} // namespace

CAF_TEST(endpoints of a lookup are sorted unique and leave out self) {
  auto xs = net::endpoints_of({"10.0.0.2", "10.0.0.1", "10.0.0.2", "::1"}, 7000,
                              "10.0.0.1:7000");
  CAF_CHECK_EQUAL(xs,
                  (std::vector<std::string>{"10.0.0.2:7000", "[::1]:7000"}));
}

CAF_TEST(the dns discoverer feeds sync_peers from its resolver) {
  // Pods share one port on three loopback addresses, as pods behind a
  // headless service share one port on their own addresses.
  pod a{on("a", "127.0.0.1", 0)};
  CAF_REQUIRE(a.ok());
  auto port = a.net.port;
  pod b{on("b", "127.0.0.2", port)};
  pod c{on("c", "127.0.0.3", port)};
  CAF_REQUIRE(b.ok() && c.ok());
  fake_dns dns;
  dns.answer({"127.0.0.1", "127.0.0.3"}); // c itself is in the answer
  auto reports = std::make_shared<notice_log>();
  net::dns_discovery_config cfg;
  cfg.name = "pods.example";
  cfg.port = port;
  cfg.interval = 50ms;
  cfg.self = c.endpoint();
  cfg.resolve = dns.resolver();
  cfg.observer = [reports](const p2p_notice& x) { reports->add(x); };
  auto disc = net::spawn_dns_discoverer(c.sys, c.net.actor, cfg);
  CAF_REQUIRE(disc);
  CAF_CHECK(wait_until([&] { return c.connected_to("a"); }));
  CAF_CHECK_EQUAL(c.peers().size(), 1u);
  // The answer changes: b joins, a leaves.
  dns.answer({"127.0.0.2", "127.0.0.3"});
  CAF_CHECK(
    wait_until([&] { return c.connected() == std::vector<std::string>{"b"}; }));
  // A failed lookup is reported and changes nothing.
  dns.break_it();
  CAF_CHECK(
    wait_until([&] { return reports->count(p2p_notice::kind::error) >= 2; }));
  CAF_CHECK_EQUAL(c.connected(), std::vector<std::string>{"b"});
  caf::anon_send_exit(*disc, caf::exit_reason::user_shutdown);
}

CAF_TEST(the system resolver resolves localhost) {
  auto xs = net::resolve_with_getaddrinfo("localhost");
  CAF_REQUIRE(xs);
  CAF_CHECK(!xs->empty());
  auto bad = net::resolve_with_getaddrinfo("no-such-host.invalid");
  CAF_CHECK(!bad);
}
