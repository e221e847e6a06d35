#pragma once

#include "podshare/actors/store_ops.hpp"

#include <cstdint>
#include <string>

/// The store's side of the repair protocol (docs/architecture.md,
/// "Revisions and repair"): digests out and in, requests for what this
/// store lacks, answers with what a peer lacks. The store subscribes to the
/// repair topics as it opens.
namespace podshare::actors::repair {

/// Unsubscribes from the repair topics (the store closes).
void stop(store_pointer self);

/// Handles a message on one of the repair topics.
void on_message(store_pointer self, const bytes& payload);

/// Asks `peer` for what this store lacks, unless a request is pending.
void request(store_pointer self, const std::string& peer);

/// Publishes this store's digest; with `ask`, every peer answers with its
/// own (after a reconnect).
void send_digest(store_pointer self, bool ask);

/// Schedules a digest within one anti-entropy interval, unless one is.
void changed(store_pointer self);

/// The periodic digest: sent while the revision moves, and once more after
/// it stopped (a quiet topic sends none, and a test's clock runs dry).
void tick(store_pointer self);

/// Gives up on request `id` to `peer` if still unanswered: loads a snapshot.
void give_up(store_pointer self, const std::string& peer, uint64_t id);

/// After the transport may have lost messages: asks every peer for its
/// digest, and checks later that one answered.
void after_resync(store_pointer self);

/// Loads a snapshot if no digest came since `digests_heard_before`: no peer
/// is there to repair us by difference.
void check_resync(store_pointer self, uint64_t digests_heard_before);

} // namespace podshare::actors::repair
