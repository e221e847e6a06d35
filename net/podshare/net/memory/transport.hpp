#pragma once

#include "podshare/interfaces.hpp"
#include "podshare/net/subscriber_table.hpp"

#include <caf/stateful_actor.hpp>
#include <caf/typed_response_promise.hpp>

#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

namespace podshare::net::memory {

/// The state of an in-process transport: subscribers and the latest snapshot
/// per topic.
struct transport_state {
  static inline const char* name = "podshare.memory_transport";

  subscriber_table subscribers;
  std::unordered_map<std::string, bytes> snapshots;
  bool closed = false;
  /// What was delivered and the stores have not yet handled. While it is
  /// spent, publishes are answered only once the stores caught up, which
  /// holds their writers back.
  std::shared_ptr<ingest_budget> ingest;
  std::vector<caf::typed_response_promise<ok_atom>> held_publishes;
};

using room_atom = caf::atom_constant<caf::atom("mem_room")>;

/// The in-process transport's interface: a transport that tells its status,
/// syncs (at once: a publish is delivered before it is answered) and
/// delivers to inboxes.
using transport_actor_impl = transport_actor::extend_with<
  transport_status_actor>::extend_with<transport_sync_actor>::
  extend_with<transport_inbox_actor>::extend_with<
    transport_snapshot_probe_actor>::extend<caf::reacts_to<room_atom>>;

/// The behavior of an in-process transport (`spawn_memory_transport`).
transport_actor_impl::behavior_type
transport(transport_actor_impl::stateful_pointer<transport_state> self,
          size_t ingest_budget);

} // namespace podshare::net::memory
