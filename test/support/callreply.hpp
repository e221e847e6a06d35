#pragma once

// Helpers of the callreply suites: payloads as text, and an endpoint's
// counters by value.

#include "podshare/bytes.hpp"
#include "podshare/callreply/endpoint.hpp"
#include "podshare/error.hpp"
#include "support/error_of.hpp"

#include <caf/test/dsl.hpp>

#include <string>

namespace podshare::testing {

inline bytes to_bytes(const std::string& x) {
  return bytes(x.begin(), x.end());
}

inline std::string to_string(const bytes& x) {
  return std::string(x.begin(), x.end());
}

/// The endpoint's counters by value (`->field` of a temporary would dangle
/// inside CAF_CHECK_EQUAL).
inline callreply::endpoint_stats stats_of(const callreply::endpoint& ep) {
  auto x = ep.stats();
  if (!x)
    CAF_FAIL(describe(x.error()));
  return *x;
}

} // namespace podshare::testing
