#pragma once

// The transport actor's operations, shared by its source files
// (transport.cpp: fan-out, sending, snapshots and the behavior;
// sessions.cpp: dialling and sessions; peer_list.cpp: the peer list).
// Internal: not installed for users.

#include "podshare/net/p2p/transport.hpp"

#include <caf/expected.hpp>
#include <caf/result.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace podshare::net::p2p_ops {

using self_pointer = p2p_transport_actor::stateful_pointer<p2p_transport_state>;

/// Nanoseconds since the Unix epoch on the system clock.
uint64_t now_ns();

/// The error of every call after `close`.
caf::error closed_error();

// -- local fan-out (transport.cpp) --------------------------------------------

/// Delivers to the subscribers of `topic`, except `skip`.
void deliver_local(self_pointer self, const std::string& topic,
                   const bytes& payload, const caf::actor_addr& skip);

/// Tells every local store to refresh.
void resync_local(self_pointer self);

// -- dialling and sessions (sessions.cpp) -------------------------------------

/// Dials `endpoint` after `delay` (at once for zero), cancelling any dial
/// scheduled before.
void schedule_dial(self_pointer self, const std::string& endpoint,
                   p2p_target& t, caf::timespan delay);

/// Schedules the first dial of a new endpoint (see `dial_grace`).
void first_dial(self_pointer self, const std::string& endpoint, p2p_target& t);

/// Redials, with backoff, every endpoint whose session was with `peer`.
void retry_targets_of(self_pointer self, const std::string& peer);

/// Runs a scheduled dial if `generation` is still current.
void dial(self_pointer self, const std::string& endpoint, uint64_t generation);

/// Makes `handle` the session with `name` (see sessions.cpp).
caf::error establish(self_pointer self, const std::string& name,
                     const std::string& endpoint, uint64_t incarnation,
                     const p2p_entry_actor& handle, const std::string& via);

/// Ends the session with `name`, telling the peer `bye` if asked to.
void close_session(self_pointer self, const std::string& name,
                   caf::error reason, bool say_bye);

/// Ends the session with `name` (saying bye) and redials its endpoints.
void drop_session(self_pointer self, const std::string& name,
                  caf::error reason);

// -- peer list (peer_list.cpp) ------------------------------------------------

/// Parses and re-formats an endpoint, so that equal endpoints compare equal.
caf::expected<std::string> normalize(const std::string& text);

void add_target(self_pointer self, const std::string& endpoint);

void remove_target(self_pointer self, const std::string& endpoint);

caf::result<ok_atom> sync_peers(self_pointer self,
                                const std::vector<std::string>& endpoints);

std::vector<p2p_peer> list_peers(self_pointer self);

} // namespace podshare::net::p2p_ops
