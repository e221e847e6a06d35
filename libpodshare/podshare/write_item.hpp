#pragma once

#include "podshare/bytes.hpp"
#include "podshare/value_ops.hpp"
#include "podshare/version.hpp"

#include <caf/meta/type_name.hpp>

#include <string>

namespace podshare {

/// One key and value to write, as the store receives it.
struct write_item {
  std::string key;
  /// The value as the store's codec encodes it.
  bytes value;
  /// The decoded value, when the writer has it at hand (the local facade);
  /// null otherwise, and then the store decodes `value` itself. Made with
  /// `make_erased`: a store holding the only reference moves from it.
  erased_value decoded;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, write_item& x) {
  return f(caf::meta::type_name("write_item"), x.key, x.value);
}

/// A tombstone that has outlived its TTL, as the GC and the snapshotter
/// report it to the store.
struct expired_tombstone {
  std::string key;
  podshare::version version;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, expired_tombstone& x) {
  return f(caf::meta::type_name("expired_tombstone"), x.key, x.version);
}

} // namespace podshare
