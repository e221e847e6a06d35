#pragma once

#include <caf/error.hpp>
#include <caf/expected.hpp>

#include <utility>

namespace podshare::testing {

/// The error of `x` by value. `CAF_CHECK_EQUAL(f().error(), …)` would bind a
/// reference into a temporary that dies before the check runs.
template <class T>
caf::error error_of(caf::expected<T> x) {
  return x ? caf::error{} : std::move(x.error());
}

} // namespace podshare::testing
