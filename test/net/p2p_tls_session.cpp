#define CAF_SUITE net.p2p_tls_session

#include "podshare/net/p2p/tls_session.hpp"

#include "podshare/error.hpp"

#include <caf/test/unit_test.hpp>

#include <string>
#include <vector>

using namespace podshare;
using namespace podshare::net;
using podshare::net::p2p::tls_session;

namespace {

std::string tls_file(const std::string& name) {
  return std::string{PODSHARE_TEST_TLS_DIR} + "/" + name;
}

std::shared_ptr<tls_context> context(const std::string& ca,
                                     const std::string& leaf) {
  auto ctx = tls_context::make({tls_file(ca + ".pem"),
                                tls_file(leaf + ".pem"),
                                tls_file(leaf + ".key"),
                                {}});
  CAF_REQUIRE(ctx);
  return *ctx;
}

// Two sessions joined by memory: moves ciphertext both ways until neither
// side has anything to say; keeps what each side decrypted and its first
// error.
struct wire_pair {
  wire_pair(std::shared_ptr<tls_context> client_ctx,
            std::shared_ptr<tls_context> server_ctx)
    : client(std::move(client_ctx), tls_session::role::client),
      server(std::move(server_ctx), tls_session::role::server) {
    CAF_REQUIRE_EQUAL(client.start(), caf::none);
  }

  void run() {
    for (int round = 0; round < 20; ++round) {
      auto moved = move(client, server, server_plain, server_error);
      moved |= move(server, client, client_plain, client_error);
      if (!moved)
        return;
    }
    CAF_FAIL("the sessions kept talking");
  }

  static bool move(tls_session& from, tls_session& to, bytes& plain,
                   caf::error& err) {
    std::vector<char> wire;
    from.drain(wire);
    if (wire.empty())
      return false;
    auto e = to.receive(reinterpret_cast<const uint8_t*>(wire.data()),
                        wire.size(), plain);
    if (e && !err)
      err = std::move(e);
    return true;
  }

  tls_session client;
  tls_session server;
  bytes client_plain;
  bytes server_plain;
  caf::error client_error;
  caf::error server_error;
};

bytes text(const std::string& x) {
  return bytes(x.begin(), x.end());
}

} // namespace

CAF_TEST(two sessions shake hands and carry data both ways) {
  auto ctx = context("ca", "pod");
  wire_pair p{ctx, ctx};
  // Written before the handshake: held back, then sent.
  auto early = text("hello before the handshake");
  CAF_CHECK_EQUAL(p.client.send(early.data(), early.size()), caf::none);
  p.run();
  CAF_CHECK(p.client.established());
  CAF_CHECK(p.server.established());
  CAF_CHECK_EQUAL(p.client_error, caf::none);
  CAF_CHECK_EQUAL(p.server_error, caf::none);
  CAF_CHECK_EQUAL(p.server_plain, early);
  CAF_CHECK_EQUAL(p.client.peer_identity(), "CN=pod");
  CAF_CHECK_EQUAL(p.server.peer_identity(), "CN=pod");
  bytes big(200000, 0x5a); // several TLS records
  CAF_CHECK_EQUAL(p.server.send(big.data(), big.size()), caf::none);
  p.run();
  CAF_CHECK_EQUAL(p.client_plain, big);
}

CAF_TEST(a certificate from another ca is refused and both sides say why) {
  wire_pair p{context("other_ca", "other"), context("ca", "pod")};
  p.run();
  // The client checks the server's certificate first and refuses it.
  CAF_CHECK_EQUAL(p.client_error, ec::transport_failed);
  CAF_MESSAGE("client: " << describe(p.client_error));
  CAF_CHECK_NOT_EQUAL(
    describe(p.client_error).find("refused the peer's certificate"),
    std::string::npos);
  CAF_CHECK_EQUAL(p.server_error, ec::transport_failed);
  CAF_MESSAGE("server: " << describe(p.server_error));
  CAF_CHECK_NOT_EQUAL(describe(p.server_error).find("refused by the peer"),
                      std::string::npos);
  CAF_CHECK(!p.server.established());
}

CAF_TEST(bytes that are no tls record are refused) {
  tls_session server{context("ca", "pod"), tls_session::role::server};
  auto http = text("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
  bytes plain;
  auto err = server.receive(http.data(), http.size(), plain);
  CAF_CHECK_EQUAL(err, ec::transport_failed);
  CAF_MESSAGE(describe(err));
  CAF_CHECK_NOT_EQUAL(describe(err).find("not a TLS peer"), std::string::npos);
  CAF_CHECK(plain.empty());
}
