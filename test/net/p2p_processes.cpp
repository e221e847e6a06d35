#define CAF_SUITE net.p2p_processes

#include "net/p2p_pods.hpp"
#include "net/p2p_process.hpp"

#include <caf/test/unit_test.hpp>

#include <memory>
#include <sstream>

using namespace podshare;
using namespace podshare::testing;
using namespace std::chrono_literals;

namespace {

// A pod in a child process: p2p_pod NAME PORT TOPIC PEERS.
struct remote_pod {
  remote_pod(const std::string& name, uint16_t want_port,
             const std::vector<std::string>& peers) {
    std::string list;
    for (auto& x : peers)
      list += x + ",";
    proc = std::make_unique<child_process>(std::vector<std::string>{
      PODSHARE_P2P_POD, name, std::to_string(want_port), "t",
      list.empty() ? "," : list});
    auto line = proc->read_line();
    if (!line || line->rfind("ready ", 0) != 0)
      throw std::runtime_error(
        "pod " + name + " did not start: " + line.value_or("<no output>"));
    // "ready PORT CLIENT_PORT"
    std::istringstream words{line->substr(6)};
    words >> port >> client_port;
  }

  std::string endpoint() const { return "127.0.0.1:" + std::to_string(port); }

  std::string ask(const std::string& cmd) {
    return proc->ask(cmd).value_or("<no reply>");
  }

  std::unique_ptr<child_process> proc;
  uint16_t port = 0;
  /// Where remote CAF clients reach its stores.
  uint16_t client_port = 0;
};

} // namespace

CAF_TEST(three pods in three processes converge) {
  remote_pod a{"a", 0, {}};
  remote_pod b{"b", 0, {a.endpoint()}};
  remote_pod c{"c", 0, {a.endpoint(), b.endpoint()}};
  auto both = [](std::string x) {
    return x.find("a,") != std::string::npos
           && x.find("b,") != std::string::npos;
  };
  CAF_REQUIRE(wait_until([&] { return both(c.ask("peers")); }));
  CAF_CHECK_EQUAL(a.ask("set x 1"), "ok");
  CAF_CHECK_EQUAL(b.ask("set y 2"), "ok");
  CAF_CHECK_EQUAL(c.ask("set z 3"), "ok");
  CAF_CHECK_EQUAL(c.ask("erase x"), "ok");
  auto want = std::string{"dump y=2;z=3;"};
  CAF_CHECK(wait_until([&] {
    return a.ask("dump") == want && b.ask("dump") == want
           && c.ask("dump") == want;
  }));
}

CAF_TEST(a pod killed and restarted rejoins with the writes it missed) {
  remote_pod a{"a", 0, {}};
  auto b = std::make_unique<remote_pod>("b", 0,
                                        std::vector<std::string>{a.endpoint()});
  auto b_port = b->port;
  CAF_REQUIRE(wait_until([&] { return a.ask("peers") == "peers b,"; }));
  CAF_CHECK_EQUAL(b->ask("set before 1"), "ok");
  CAF_CHECK(wait_until([&] { return a.ask("get before") == "value 1"; }));
  b->proc->kill_now();
  CAF_CHECK(wait_until([&] { return a.ask("peers") == "peers "; }));
  // Writes while B is down.
  CAF_CHECK_EQUAL(a.ask("set during 2"), "ok");
  CAF_CHECK_EQUAL(a.ask("erase before"), "ok");
  // B comes back on the same port with the same name and dials A.
  b = std::make_unique<remote_pod>("b", b_port,
                                   std::vector<std::string>{a.endpoint()});
  CAF_CHECK(wait_until([&] { return b->ask("dump") == "dump during=2;"; }));
  CAF_CHECK_EQUAL(b->ask("set after 3"), "ok");
  CAF_CHECK(
    wait_until([&] { return a.ask("dump") == "dump after=3;during=2;"; }));
}

CAF_TEST(a client process gets sets and watches through a remote store handle) {
  remote_pod a{"a", 0, {}};
  child_process client{std::vector<std::string>{
    PODSHARE_P2P_POD, "--client", std::to_string(a.client_port), "t"}};
  CAF_REQUIRE_EQUAL(client.read_line().value_or("<none>"), "ready");
  CAF_CHECK_EQUAL(client.ask("set x 1").value_or(""), "ok");
  CAF_CHECK_EQUAL(a.ask("get x"), "value 1");
  CAF_CHECK_EQUAL(a.ask("set y 2"), "ok");
  CAF_CHECK_EQUAL(client.ask("get y").value_or(""), "value 2");
  CAF_CHECK_EQUAL(client.ask("get nope").value_or(""), "none");
  CAF_CHECK_EQUAL(client.ask("watch w").value_or(""), "ok");
  CAF_CHECK_EQUAL(a.ask("set w1 3"), "ok");
  CAF_CHECK_EQUAL(a.ask("set other 4"), "ok");
  CAF_CHECK_EQUAL(client.ask("set w2 5").value_or(""), "ok");
  CAF_CHECK(wait_until(
    [&] { return client.ask("seen").value_or("") == "seen w1,w2,"; }));
  CAF_CHECK_EQUAL(client.ask("quit").value_or(""), "bye");
}
