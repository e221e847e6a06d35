#pragma once

#include "podshare/error.hpp"

#include <caf/error.hpp>

#include <string>
#include <string_view>

/// The errors of the wire decoders (msgpack and JSON, events and snapshots):
/// one wording for all, `decode_failed` with a reason.
namespace podshare::detail {

inline caf::error fail(std::string reason) {
  return caf::make_error(ec::decode_failed, std::move(reason));
}

inline caf::error fail_field(std::string_view name, const char* what) {
  return fail("field '" + std::string{name} + "' " + what);
}

} // namespace podshare::detail
