#pragma once

#include "podshare/interfaces.hpp"
#include "podshare/net/subscriber_table.hpp"

#include <caf/stateful_actor.hpp>

#include <string>
#include <unordered_map>

namespace podshare::net::memory {

/// The state of an in-process transport: subscribers and the latest snapshot
/// per topic.
struct transport_state {
  static inline const char* name = "podshare.memory_transport";

  subscriber_table subscribers;
  std::unordered_map<std::string, bytes> snapshots;
  bool closed = false;
};

/// The in-process transport's interface: a transport that tells its status,
/// syncs (at once: a publish is delivered before it is answered) and
/// delivers to inboxes.
using transport_actor_impl
  = transport_actor::extend_with<transport_status_actor>::extend_with<
    transport_sync_actor>::extend_with<transport_inbox_actor>;

/// The behavior of an in-process transport (`spawn_memory_transport`).
transport_actor_impl::behavior_type
transport(transport_actor_impl::stateful_pointer<transport_state> self);

} // namespace podshare::net::memory
