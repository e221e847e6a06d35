#include "podshare/coord/local_generations.hpp"

#include "podshare/error.hpp"
#include "podshare/hybrid_clock.hpp"
#include "podshare/record.hpp"
#include "podshare/replica.hpp"
#include "podshare/value_ops.hpp"
#include "podshare/version.hpp"

#include <chrono>

namespace podshare::coord {

namespace {

caf::error closed_error() {
  return caf::make_error(ec::closed, "the generations are closed");
}

} // namespace

local_generations::local_generations(wall_clock clock)
  : clock_(clock ? std::move(clock) : system_wall_clock()),
    map_(std::make_shared<replica>(layout_of<uint64_t>())) {}

local_generations::~local_generations() = default;

uint64_t local_generations::read(const std::string& key) const {
  return map_->read(key, [](const record* x) -> uint64_t {
    return x != nullptr && !x->tombstone() ? x->value_as<uint64_t>() : 0;
  });
}

caf::expected<uint64_t> local_generations::snapshot(const std::string& key) {
  if (closed_)
    return closed_error();
  return read(key);
}

caf::expected<std::vector<uint64_t>>
local_generations::snapshot_many(const std::vector<std::string>& keys) {
  if (closed_)
    return closed_error();
  std::vector<uint64_t> result;
  result.reserve(keys.size());
  for (auto& key : keys)
    result.push_back(read(key));
  return result;
}

caf::expected<uint64_t> local_generations::bump(const std::string& key) {
  std::lock_guard<std::mutex> guard{writer_};
  if (closed_)
    return closed_error();
  auto next = read(key) + 1;
  map_->put(key, version{clock_(), "local", ++seq_}, &next);
  map_->publish();
  return next;
}

caf::expected<uint64_t> local_generations::cleanup(caf::timespan retention) {
  std::lock_guard<std::mutex> guard{writer_};
  if (closed_)
    return closed_error();
  auto cutoff = clock_() - retention.count();
  std::vector<std::string> stale;
  map_->for_each([&](const record& x) {
    if (x.timestamp() < cutoff)
      stale.emplace_back(x.key());
  });
  for (auto& key : stale)
    map_->remove(key);
  map_->publish();
  return stale.size();
}

caf::error local_generations::close() {
  closed_ = true;
  return caf::none;
}

} // namespace podshare::coord
