#pragma once

#include "podshare/detail/counters.hpp"
#include "podshare/interfaces.hpp"
#include "podshare/options.hpp"
#include "podshare/replica.hpp"
#include "podshare/value_ops.hpp"

#include <caf/actor_system.hpp>
#include <caf/expected.hpp>

#include <memory>
#include <string>

namespace podshare {

/// An open store: its actor, the replica it publishes for local readers and
/// its counters. What `open_store` returns and the facades wrap.
struct store_handle {
  store_actor actor;
  std::shared_ptr<const replica> map;
  std::shared_ptr<detail::counters> counters;
  std::shared_ptr<const value_ops> values;
  std::string topic;
  std::string node_id;
  podshare::options options;
};

/// Spawns the store of `topic` on `transport` and waits until it has
/// subscribed and loaded the transport's snapshot (spec §4, open). Fails
/// with `invalid_argument` for an empty topic, a missing transport or
/// missing value operations, and with the transport's error (or `timeout`)
/// when hydration fails. Defined in the `podshare_actors` library.
caf::expected<store_handle> open_store(caf::actor_system& sys,
                                       std::string topic,
                                       transport_actor transport,
                                       value_ops values, options opts = {});

/// Validates the arguments like `open_store` and spawns the store without
/// waiting; the store answers `open` once hydrated. For actors, which must
/// not block, and for deterministic tests.
caf::expected<store_handle> spawn_store(caf::actor_system& sys,
                                        std::string topic,
                                        transport_actor transport,
                                        value_ops values, options opts = {});

/// Returns 12 random bytes as 24 lowercase hex characters.
std::string random_node_id();

} // namespace podshare
