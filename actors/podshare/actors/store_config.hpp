#pragma once

#include "podshare/detail/counters.hpp"
#include "podshare/interfaces.hpp"
#include "podshare/options.hpp"
#include "podshare/replica.hpp"
#include "podshare/value_ops.hpp"

#include <memory>
#include <string>

namespace podshare::actors {

/// Everything a store actor starts from; `open_store` fills it in.
struct store_config {
  std::string topic;
  transport_actor transport;
  std::shared_ptr<const value_ops> values;
  /// The options, with `node_id` and `wall_clock` already resolved.
  podshare::options options;
  std::shared_ptr<replica> map;
  std::shared_ptr<detail::counters> counters;
};

} // namespace podshare::actors
