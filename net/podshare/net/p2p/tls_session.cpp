#include "podshare/net/p2p/tls_session.hpp"

#include "podshare/error.hpp"

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <arpa/inet.h>

#include <array>

namespace podshare::net::p2p {

namespace {

caf::error tls_error(std::string what) {
  return caf::make_error(ec::transport_failed, "TLS: " + std::move(what));
}

// The OpenSSL error queue's latest reason, then clears the queue.
std::string queued_reason() {
  auto code = ERR_peek_last_error();
  std::string reason;
  if (code != 0) {
    const char* text = ERR_reason_error_string(code);
    reason = text != nullptr ? text : "error " + std::to_string(code);
  }
  ERR_clear_error();
  return reason;
}

std::string general_name(const GENERAL_NAME* x) {
  if (x->type == GEN_DNS) {
    auto* s = x->d.dNSName;
    return "DNS:"
           + std::string{
             reinterpret_cast<const char*>(ASN1_STRING_get0_data(s)),
             static_cast<size_t>(ASN1_STRING_length(s))};
  }
  if (x->type == GEN_IPADD) {
    auto* s = x->d.iPAddress;
    auto len = ASN1_STRING_length(s);
    std::array<char, INET6_ADDRSTRLEN> buf{};
    auto family = len == 4 ? AF_INET : len == 16 ? AF_INET6 : -1;
    if (family < 0
        || inet_ntop(family, ASN1_STRING_get0_data(s), buf.data(),
                     static_cast<socklen_t>(buf.size()))
             == nullptr)
      return {};
    return std::string{"IP:"} + buf.data();
  }
  return {};
}

std::string identity_of(SSL* ssl) {
  std::unique_ptr<X509, decltype(&X509_free)> cert{
    SSL_get1_peer_certificate(ssl), X509_free};
  if (!cert)
    return {};
  std::string result;
  std::array<char, 256> cn{};
  if (X509_NAME_get_text_by_NID(X509_get_subject_name(cert.get()),
                                NID_commonName, cn.data(),
                                static_cast<int>(cn.size()))
      > 0)
    result = std::string{"CN="} + cn.data();
  auto* names = static_cast<GENERAL_NAMES*>(
    X509_get_ext_d2i(cert.get(), NID_subject_alt_name, nullptr, nullptr));
  if (names != nullptr) {
    for (int i = 0; i < sk_GENERAL_NAME_num(names); ++i) {
      auto name = general_name(sk_GENERAL_NAME_value(names, i));
      if (name.empty())
        continue;
      if (!result.empty())
        result += ", ";
      result += name;
    }
    GENERAL_NAMES_free(names);
  }
  return result;
}

} // namespace

tls_session::tls_session(std::shared_ptr<tls_context> ctx, role r)
  : ctx_(std::move(ctx)), role_(r) {
  ssl_ = SSL_new(ctx_->native());
  in_ = BIO_new(BIO_s_mem());
  out_ = BIO_new(BIO_s_mem());
  // An empty input BIO means "wait for more", not end of stream.
  BIO_set_mem_eof_return(in_, -1);
  SSL_set_bio(ssl_, in_, out_);
  if (role_ == role::client)
    SSL_set_connect_state(ssl_);
  else
    SSL_set_accept_state(ssl_);
}

tls_session::~tls_session() {
  SSL_free(ssl_); // frees both BIOs
}

caf::error tls_session::start() {
  return role_ == role::client ? advance_handshake() : caf::none;
}

caf::error tls_session::receive(const uint8_t* data, size_t size,
                                bytes& plain) {
  if (size == 0)
    return caf::none;
  if (!received_any_) {
    received_any_ = true;
    // Every TLS record starts with its content type, 20 to 23.
    if (data[0] < 20 || data[0] > 23)
      return tls_error("not a TLS peer");
  }
  if (BIO_write(in_, data, static_cast<int>(size)) != static_cast<int>(size))
    return tls_error("cannot buffer " + std::to_string(size) + " bytes");
  if (!established_)
    if (auto err = advance_handshake(); err || !established_)
      return err;
  return read_plaintext(plain);
}

caf::error tls_session::send(const uint8_t* data, size_t size) {
  if (!established_) {
    held_back_.insert(held_back_.end(), data, data + size);
    return caf::none;
  }
  while (size > 0) {
    auto n = SSL_write(
      ssl_, data, static_cast<int>(std::min<size_t>(size, size_t{1} << 30)));
    if (n <= 0)
      return failure(n);
    data += n;
    size -= static_cast<size_t>(n);
  }
  return caf::none;
}

void tls_session::drain(std::vector<char>& out) {
  auto pending = BIO_ctrl_pending(out_);
  if (pending == 0)
    return;
  auto at = out.size();
  out.resize(at + pending);
  auto n = BIO_read(out_, out.data() + at, static_cast<int>(pending));
  out.resize(at + static_cast<size_t>(std::max(n, 0)));
}

caf::error tls_session::advance_handshake() {
  auto ret = SSL_do_handshake(ssl_);
  if (ret != 1) {
    auto code = SSL_get_error(ssl_, ret);
    if (code == SSL_ERROR_WANT_READ || code == SSL_ERROR_WANT_WRITE)
      return caf::none;
    return failure(ret);
  }
  established_ = true;
  identity_ = identity_of(ssl_);
  if (!held_back_.empty()) {
    auto held = std::move(held_back_);
    held_back_.clear();
    return send(held.data(), held.size());
  }
  return caf::none;
}

caf::error tls_session::read_plaintext(bytes& plain) {
  std::array<uint8_t, size_t{16} * 1024> buf;
  for (;;) {
    auto n = SSL_read(ssl_, buf.data(), static_cast<int>(buf.size()));
    if (n > 0) {
      plain.insert(plain.end(), buf.data(), buf.data() + n);
      continue;
    }
    auto code = SSL_get_error(ssl_, n);
    if (code == SSL_ERROR_WANT_READ || code == SSL_ERROR_WANT_WRITE)
      return caf::none;
    return failure(n);
  }
}

caf::error tls_session::failure(int ret) {
  auto code = SSL_get_error(ssl_, ret);
  if (code == SSL_ERROR_ZERO_RETURN) {
    ERR_clear_error();
    return tls_error("the peer closed the TLS session");
  }
  auto verdict = SSL_get_verify_result(ssl_);
  auto reason = queued_reason();
  if (verdict != X509_V_OK)
    return tls_error("refused the peer's certificate: "
                     + std::string{X509_verify_cert_error_string(verdict)});
  if (reason.find("alert") != std::string::npos)
    return tls_error("refused by the peer: " + reason);
  return tls_error(reason.empty() ? "handshake failed" : reason);
}

} // namespace podshare::net::p2p
