#pragma once

#include "podshare/bytes.hpp"

#include <caf/expected.hpp>

#include <cstdint>
#include <optional>
#include <string>

namespace podshare::callreply {

/// The message on an inbox: a call or its reply. Its JSON form is the Go
/// callreply package's, field for field, so that Go and C++ pods call each
/// other over Redis; the fields Go does not know (`remaining`, `code`,
/// `owner`) are ones Go's decoder skips.
struct envelope {
  /// "call" or "reply".
  std::string type;
  std::string id;
  /// The caller's inbox topic, where the reply goes (calls).
  std::string reply;
  std::string target;
  std::string method;
  /// Base64 in JSON, as Go's `[]byte`.
  bytes args;
  /// The error text of a failed call (replies); empty when it succeeded.
  std::string error;
  bytes result;
  /// The caller's deadline, Unix nanoseconds (Go's `deadline`); 0: none.
  int64_t deadline_ns = 0;
  /// The time the caller had left when it sent the call, in nanoseconds: a
  /// deadline that survives clock skew between the pods. 0: not given.
  int64_t remaining_ns = 0;
  /// Why a reply failed, as the name of its outcome (`busy`, `no_handler`,
  /// `timeout`, `handler_error`, `closed`, `moved`); empty from Go pods.
  std::string code;
  /// With code `moved`: the pod the target moved to.
  std::string owner;
};

/// Renders `x` as one JSON object, fields Go omits when empty left out.
std::string encode_envelope(const envelope& x);

/// Parses an envelope; `decode_failed` says what is wrong with the text.
caf::expected<envelope> decode_envelope(const uint8_t* data, size_t size);

} // namespace podshare::callreply
