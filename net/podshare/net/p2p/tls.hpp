#pragma once

#include "podshare/net/p2p/config.hpp"

#include <caf/error.hpp>
#include <caf/expected.hpp>

#include <memory>

struct ssl_ctx_st; // OpenSSL's SSL_CTX

namespace podshare::net {

/// The OpenSSL context of a TLS pod: TLS 1.3 only, mutual verification
/// against the configured CA only, no hostname check (the private CA is the
/// identity), no session tickets. Shared by every connection of a
/// transport.
class tls_context {
public:
  ~tls_context();

  tls_context(const tls_context&) = delete;
  tls_context& operator=(const tls_context&) = delete;

  /// Checks the material and builds the context: the CA file loads, the
  /// certificate chain loads, the key decrypts with the passphrase and
  /// matches the certificate, and the certificate verifies against the CA.
  /// Returns `invalid_argument` naming the first problem.
  static caf::expected<std::shared_ptr<tls_context>> make(const p2p_tls& tls);

  ssl_ctx_st* native() const noexcept { return ctx_; }

private:
  explicit tls_context(ssl_ctx_st* ctx) : ctx_(ctx) {}

  ssl_ctx_st* ctx_;
};

/// Checks TLS material the way the handshake will use it (see
/// `tls_context::make`), so that a bad file fails at start rather than on
/// the first connection.
caf::error validate_tls(const p2p_tls& tls);

} // namespace podshare::net
