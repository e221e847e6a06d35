#include "podshare/net/p2p/tls.hpp"

#include "podshare/error.hpp"

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>

#include <algorithm>
#include <memory>
#include <string>

namespace podshare::net {

namespace {

// The OpenSSL error queue's latest entry, then clears the queue.
std::string openssl_reason() {
  char buf[256] = {0};
  auto code = ERR_peek_last_error();
  if (code != 0)
    ERR_error_string_n(code, buf, sizeof(buf));
  ERR_clear_error();
  return code != 0 ? std::string{buf} : std::string{"unknown reason"};
}

caf::error fail(const std::string& what) {
  return caf::make_error(ec::invalid_argument,
                         "TLS: " + what + ": " + openssl_reason());
}

int pass_cb(char* buf, int size, int, void* arg) {
  auto* pass = static_cast<const std::string*>(arg);
  if (pass->size() >= static_cast<size_t>(size))
    return 0;
  // OpenSSL takes the length returned; no terminating NUL is needed.
  std::copy_n(pass->data(), pass->size(), buf);
  return static_cast<int>(pass->size());
}

using ctx_ptr = std::unique_ptr<SSL_CTX, decltype(&SSL_CTX_free)>;

caf::error load_material(SSL_CTX* ctx, const p2p_tls& tls) {
  if (SSL_CTX_load_verify_locations(ctx, tls.ca_file.c_str(), nullptr) != 1)
    return fail("cannot load CA file " + tls.ca_file);
  if (SSL_CTX_use_certificate_chain_file(ctx, tls.certificate.c_str()) != 1)
    return fail("cannot load certificate " + tls.certificate);
  // OpenSSL keeps the pointer only for the calls below.
  std::string passphrase = tls.passphrase;
  SSL_CTX_set_default_passwd_cb(ctx, pass_cb);
  SSL_CTX_set_default_passwd_cb_userdata(ctx, &passphrase);
  auto loaded
    = SSL_CTX_use_PrivateKey_file(ctx, tls.key.c_str(), SSL_FILETYPE_PEM);
  SSL_CTX_set_default_passwd_cb_userdata(ctx, nullptr);
  if (loaded != 1)
    return fail("cannot load key " + tls.key + " (wrong passphrase?)");
  if (SSL_CTX_check_private_key(ctx) != 1)
    return fail("key " + tls.key + " does not match certificate "
                + tls.certificate);
  return caf::none;
}

// The certificate must chain to the CA, or every peer would refuse us.
caf::error verify_own_certificate(SSL_CTX* ctx, const p2p_tls& tls) {
  std::unique_ptr<X509_STORE_CTX, decltype(&X509_STORE_CTX_free)> verify{
    X509_STORE_CTX_new(), X509_STORE_CTX_free};
  auto* cert = SSL_CTX_get0_certificate(ctx);
  if (!verify
      || X509_STORE_CTX_init(verify.get(), SSL_CTX_get_cert_store(ctx), cert,
                             nullptr)
           != 1)
    return fail("cannot set up certificate verification");
  if (X509_verify_cert(verify.get()) != 1) {
    auto err = X509_STORE_CTX_get_error(verify.get());
    return caf::make_error(ec::invalid_argument,
                           "TLS: certificate " + tls.certificate
                             + " does not verify against " + tls.ca_file + ": "
                             + X509_verify_cert_error_string(err));
  }
  return caf::none;
}

} // namespace

tls_context::~tls_context() {
  SSL_CTX_free(ctx_);
}

caf::expected<std::shared_ptr<tls_context>>
tls_context::make(const p2p_tls& tls) {
  if (tls.ca_file.empty() || tls.certificate.empty() || tls.key.empty())
    return caf::make_error(ec::invalid_argument,
                           "TLS needs a CA file, a certificate and a key");
  ERR_clear_error();
  ctx_ptr ctx{SSL_CTX_new(TLS_method()), SSL_CTX_free};
  if (!ctx)
    return fail("cannot create a context");
  if (auto err = load_material(ctx.get(), tls))
    return err;
  if (auto err = verify_own_certificate(ctx.get(), tls))
    return err;
  SSL_CTX_set_min_proto_version(ctx.get(), TLS1_3_VERSION);
  SSL_CTX_set_max_proto_version(ctx.get(), TLS1_3_VERSION);
  SSL_CTX_set_verify(
    ctx.get(), SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, nullptr);
  // Sessions are long-lived and never resumed: no tickets to send.
  SSL_CTX_set_num_tickets(ctx.get(), 0);
  SSL_CTX_set_session_cache_mode(ctx.get(), SSL_SESS_CACHE_OFF);
  SSL_CTX_set_mode(ctx.get(), SSL_MODE_RELEASE_BUFFERS);
  return std::shared_ptr<tls_context>{new tls_context(ctx.release())};
}

caf::error validate_tls(const p2p_tls& tls) {
  if (!tls.enabled())
    return caf::none;
  auto ctx = tls_context::make(tls);
  return ctx ? caf::none : std::move(ctx.error());
}

} // namespace podshare::net
