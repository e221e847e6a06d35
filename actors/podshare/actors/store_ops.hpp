#pragma once

#include "podshare/actors/store.hpp"

#include <caf/expected.hpp>

#include <cstdint>
#include <functional>
#include <vector>

/// What the store's behavior does, shared by the files that make it up
/// (store.cpp, repair.cpp).
namespace podshare::actors {

using store_pointer = store_actor::stateful_pointer<store_state>;

/// Hands the events of a change to the watchers, wakes the snapshotter if an
/// entry changed, and answers the waits the change satisfies.
void dispatch(store_pointer self, std::vector<event> events);

/// Merges the transport's snapshot and tells `done` how many entries it
/// adopted; adopted entries reach watchers as events.
void refresh(store_pointer self,
             const std::function<void(caf::expected<uint64_t>)>& done);

/// After a resync: republishes our writes whose broadcast failed and
/// persists the snapshot, unless nothing changed since we stored ours and
/// the transport still holds it (`stored_is_ours`).
void catch_up(store_pointer self, bool stored_is_ours);

} // namespace podshare::actors
