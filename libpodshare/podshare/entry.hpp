#pragma once

#include "podshare/bytes.hpp"
#include "podshare/version.hpp"

#include <caf/meta/type_name.hpp>

#include <string>

namespace podshare {

/// One key's state as a message: a live value or a tombstone, and the
/// version that put it there. The store answers `get` with one; inside the
/// process the replica keeps the compact `record` instead.
struct entry {
  std::string key;
  podshare::version version;
  /// The value as its codec encoded it; empty for tombstones.
  bytes value;
  /// Whether the key is deleted; a missing key reads as a tombstone with the
  /// absent version.
  bool tombstone = false;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, entry& x) {
  return f(caf::meta::type_name("entry"), x.key, x.version, x.value,
           x.tombstone);
}

} // namespace podshare
