#define CAF_SUITE net.callreply_p2p

#include "podshare/callreply/endpoint.hpp"

#include "podshare/error.hpp"

#include "net/p2p_pods.hpp"

#include "support/callreply.hpp"

#include <caf/test/dsl.hpp>

#include <numeric>

using namespace podshare;
using namespace podshare::callreply;
using namespace podshare::testing;
using namespace std::chrono_literals;

namespace {

endpoint open_endpoint(pod& p) {
  endpoint_options opts;
  opts.pod = p.net.name;
  auto res = endpoint::open(p.sys, p.net.transport(), opts);
  if (!res)
    CAF_FAIL(describe(res.error()));
  return std::move(*res);
}

// Messages `p` received from its peers in batches: what a broadcast adds to.
uint64_t messages_in(pod& p) {
  uint64_t n = 0;
  for (auto& x : p.peers())
    n += x.messages_in;
  return n;
}

} // namespace

CAF_TEST(calls over p2p go to the owner alone and fail fast once it left) {
  pod a{named("a")};
  pod b{named("b", {a.endpoint()})};
  pod c{named("c", {a.endpoint(), b.endpoint()})};
  CAF_REQUIRE(a.ok() && b.ok() && c.ok());
  CAF_REQUIRE(wait_until(
    [&] { return a.connected().size() == 2 && b.connected().size() == 2; }));
  auto ea = open_endpoint(a);
  auto eb = open_endpoint(b);
  auto ec_ = open_endpoint(c);
  CAF_REQUIRE(!ea.register_handler(
    "ws:alice", "send", [](const call_context&, const bytes& args) {
      return caf::expected<bytes>{to_bytes("a:" + to_string(args))};
    }));
  CAF_REQUIRE(wait_until([&] {
    return eb.owner("ws:alice") == "a" && ec_.owner("ws:alice") == "a";
  }));
  auto c_before = messages_in(c);
  for (int i = 0; i < 100; ++i) {
    auto res = eb.call("ws:alice", "send", to_bytes(std::to_string(i)));
    CAF_REQUIRE(res);
    CAF_CHECK_EQUAL(to_string(*res), "a:" + std::to_string(i));
  }
  // Neither the calls nor the replies reached c.
  CAF_CHECK_EQUAL(messages_in(c), c_before);
  CAF_CHECK_EQUAL(stats_of(ec_).served, 0u);
  // a's endpoint closes: its route goes, and a call that still finds it
  // (c's replica may lag) ends at once, never in a timeout.
  CAF_REQUIRE(!ea.close());
  auto res = eb.call("ws:alice", "send", {}, 30s);
  CAF_CHECK(res.error() == ec::no_route || res.error() == ec::unreachable
            || res.error() == ec::closed);
  CAF_CHECK(wait_until([&] { return !ec_.owner("ws:alice"); }));
}

CAF_TEST(an owner whose pod died is unreachable at once over p2p) {
  pod a{named("a")};
  pod b{named("b", {a.endpoint()})};
  CAF_REQUIRE(a.ok() && b.ok());
  CAF_REQUIRE(wait_until([&] { return b.connected_to("a"); }));
  auto ea = open_endpoint(a);
  auto eb = open_endpoint(b);
  CAF_REQUIRE(!ea.register_handler("ws:alice", "send",
                                   [](const call_context&, const bytes&) {
                                     return caf::expected<bytes>{bytes{}};
                                   }));
  CAF_REQUIRE(wait_until([&] { return eb.owner("ws:alice") == "a"; }));
  // a's transport goes as a crashed pod's would: its endpoint never closes.
  a.stop();
  CAF_REQUIRE(wait_until([&] { return !b.connected_to("a"); }));
  auto started = std::chrono::steady_clock::now();
  auto res = eb.call("ws:alice", "send", {}, 30s);
  CAF_CHECK_EQUAL(res.error(), ec::unreachable);
  CAF_CHECK(std::chrono::steady_clock::now() - started < 10s);
  CAF_CHECK(wait_until([&] { return !eb.owner("ws:alice"); }));
}
