#pragma once

#include "podshare/interfaces.hpp"

#include <caf/actor_system.hpp>

#include <cstddef>

namespace podshare::net {

/// Spawns an in-process transport: publish fans out to every other
/// subscriber of the topic, snapshots live in a map. For tests and
/// single-process demos. Once `ingest_budget` bytes of messages wait in
/// the stores' mailboxes, publishes are answered only as the stores catch
/// up (a writer waits; nothing is lost).
transport_actor spawn_memory_transport(caf::actor_system& sys,
                                       size_t ingest_budget
                                       = size_t{32} * 1024 * 1024);

} // namespace podshare::net
