#pragma once

#include "podshare/interfaces.hpp"

#include <caf/atom.hpp>
#include <caf/meta/type_name.hpp>
#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>

#include <cstdint>
#include <string>
#include <vector>

/// The actor interfaces of the coordination library (podshare_coord), kept
/// beside it rather than in podshare/interfaces.hpp so that the core
/// vocabulary does not grow with every library built on it.
namespace podshare::coord {

// -- atoms (at most 10 characters) --------------------------------------------

using leave_atom = caf::atom_constant<caf::atom("leave")>;
using ownership_atom = caf::atom_constant<caf::atom("ownership")>;
using settle_atom = caf::atom_constant<caf::atom("settle")>;

// -- messages -----------------------------------------------------------------

/// What changed for one member when the live set changed: the live members
/// it now sees (sorted), the partitions it took and those it gave up. The
/// first message to a new listener lists every partition held as acquired.
struct ownership_change {
  std::vector<std::string> live;
  std::vector<uint32_t> acquired;
  std::vector<uint32_t> lost;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, ownership_change& x) {
  return f(caf::meta::type_name("ownership_change"), x.live, x.acquired,
           x.lost);
}

// -- ownership listener -------------------------------------------------------

/// Hears a member's ownership changes, in order.
///
/// ~~~
/// ownership(change)
/// ~~~
using ownership_listener_actor = caf::typed_actor<
  // Partitions taken and given up, with the live set that decided it.
  caf::reacts_to<ownership_atom, ownership_change>>;

// -- membership ---------------------------------------------------------------

/// One member of a presence topic: heartbeats, the live set, and the
/// partitions this member owns by rendezvous hashing.
///
/// ~~~
/// get() -> live                      // sorted member names
/// get(ownership) -> partitions       // held now, ascending
/// watch(listener)                    // ownership changes from now on
/// leave() -> ok                      // heartbeat removed, partitions given up
/// tick()                             // its own timer: heartbeat and expiry
/// settle()                           // its own timer: take settled partitions
/// event(id, events), watch_end(id, why)  // from the presence store
/// ~~~
using membership_actor = caf::typed_actor<
  // Reads the live members.
  caf::replies_to<get_atom>::with<std::vector<std::string>>,
  // Reads the partitions this member holds.
  caf::replies_to<get_atom, ownership_atom>::with<std::vector<uint32_t>>,
  // Adds a listener; it first hears every partition held as acquired.
  caf::reacts_to<watch_atom, ownership_listener_actor>,
  // Leaves: removes the heartbeat, gives up every partition, then quits.
  caf::replies_to<leave_atom>::with<ok_atom>,
  // Heartbeats and drops members whose heartbeat is older than the TTL.
  caf::reacts_to<tick_atom>,
  // Takes the partitions whose settle time has passed.
  caf::reacts_to<settle_atom>,
  // Heartbeats from the presence store.
  caf::reacts_to<event_atom, watch_id, event_batch>,
  // The presence store's watch ended (it closed).
  caf::reacts_to<watch_end_atom, watch_id, watch_end>>;

} // namespace podshare::coord
