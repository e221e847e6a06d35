#pragma once

#include "podshare/record.hpp"

#include <caf/allowed_unsafe_message_type.hpp>

#include <memory>
#include <string_view>
#include <vector>

namespace podshare {

/// One change a batch made to a replica's live map: `before` is the live
/// entry the key had (null if none), `after` the one it has now (null once
/// deleted). Both stay valid while observers fold the batch.
struct replica_change {
  std::string_view key;
  const record* before;
  const record* after;
};

/// Derived state that a replica keeps in step with its map: the store actor
/// folds each batch into it before publishing the batch, and readers find
/// the state beside the map it was folded from (store<T>::observe).
class replica_observer {
public:
  virtual ~replica_observer() = default;

  /// Returns `state` with `changes` folded in. `state` is shared with
  /// readers and must not change: fold into a copy.
  virtual std::shared_ptr<const void>
  fold(const std::shared_ptr<const void>& state,
       const std::vector<replica_change>& changes)
    = 0;
};

} // namespace podshare

// An observer and its state reach the store inside a message; both are
// process-local and never serialized.
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(std::shared_ptr<podshare::replica_observer>)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(std::shared_ptr<const void>)
