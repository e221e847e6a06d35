#pragma once

#include "podshare/bytes.hpp"
#include "podshare/net/p2p/tls.hpp"

#include <caf/error.hpp>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

struct ssl_st; // OpenSSL's SSL
struct bio_st; // OpenSSL's BIO

namespace podshare::net::p2p {

/// One TLS connection driven through memory: ciphertext from the socket goes
/// in with `receive`, plaintext comes out; plaintext goes in with `send`,
/// ciphertext for the socket comes out of `drain`. No socket, no thread:
/// the transport's broker owns one per connection, and tests run two of them
/// against each other.
class tls_session {
public:
  enum class role { client, server };

  tls_session(std::shared_ptr<tls_context> ctx, role r);

  ~tls_session();

  tls_session(const tls_session&) = delete;
  tls_session& operator=(const tls_session&) = delete;

  /// Starts the handshake: the client's first flight is then ready to drain.
  caf::error start();

  /// Takes ciphertext from the peer and appends what it decrypts to `plain`.
  /// Fails with `transport_failed` and a reason that says who refused whom:
  /// "refused the peer's certificate: …" when our check failed, "refused by
  /// the peer: …" for an alert it sent, "not a TLS peer" for bytes that are
  /// no TLS record. After a failure, drain once more: the alert that tells
  /// the peer why is waiting there.
  caf::error receive(const uint8_t* data, size_t size, bytes& plain);

  /// Encrypts `data` for the peer; held back until the handshake is done.
  caf::error send(const uint8_t* data, size_t size);

  /// Appends the ciphertext that is ready for the peer to `out`.
  void drain(std::vector<char>& out);

  /// Whether the handshake completed (on a client: from its own view; the
  /// server may still refuse its certificate).
  bool established() const noexcept { return established_; }

  /// The peer certificate's subject CN and subject alternative names, e.g.
  /// "CN=pod-a, DNS:pod-a.svc"; empty before the handshake.
  const std::string& peer_identity() const noexcept { return identity_; }

private:
  caf::error advance_handshake();
  caf::error read_plaintext(bytes& plain);
  caf::error failure(int ret);

  std::shared_ptr<tls_context> ctx_;
  role role_;
  ssl_st* ssl_ = nullptr;
  bio_st* in_ = nullptr;
  bio_st* out_ = nullptr;
  bool established_ = false;
  bool received_any_ = false;
  bytes held_back_;
  std::string identity_;
};

} // namespace podshare::net::p2p
