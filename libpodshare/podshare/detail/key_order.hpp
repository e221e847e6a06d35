#pragma once

#include "podshare/event.hpp"

#include <vector>

namespace podshare::detail {

/// Returns pointers to `entries` sorted by key; of several entries for one
/// key only the last is kept. Snapshots are written in this order.
std::vector<const event*> in_key_order(const std::vector<event>& entries);

/// Sorts `entries` by key in place; of several entries for one key only the
/// last is kept. Decoded snapshots come out in this order.
void sort_by_key_keep_last(std::vector<event>& entries);

} // namespace podshare::detail
