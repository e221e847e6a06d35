#pragma once

#include "podshare/net/p2p/config.hpp"

#include <caf/error.hpp>

namespace podshare::net {

/// Checks TLS material the way the handshake will use it, so that a bad file
/// fails at start rather than on the first connection (where CAF 0.17 takes
/// the process down): the CA file loads, the certificate chain loads, the key
/// decrypts with the passphrase and matches the certificate, and the
/// certificate verifies against the CA. Returns `invalid_argument` naming the
/// first problem.
caf::error validate_tls(const p2p_tls& tls);

} // namespace podshare::net
