#pragma once

#include "podshare/coord/generations.hpp"
#include "podshare/hybrid_clock.hpp"

#include <memory>
#include <atomic>
#include <mutex>

namespace podshare {
class replica;
} // namespace podshare

namespace podshare::coord {

/// Generations of one process. Reads go to a replica without taking a lock
/// (the structure podshare's stores publish); bumps are serialised by a
/// mutex. Each generation only grows, until `cleanup` drops its key.
class local_generations : public generations {
public:
  /// `clock` dates bumps for `cleanup` (the system clock by default).
  explicit local_generations(wall_clock clock = {});
  ~local_generations() override;

  caf::expected<uint64_t> snapshot(const std::string& key) override;
  caf::expected<std::vector<uint64_t>>
  snapshot_many(const std::vector<std::string>& keys) override;
  caf::expected<uint64_t> bump(const std::string& key) override;
  caf::expected<uint64_t> cleanup(caf::timespan retention) override;
  caf::error close() override;

private:
  uint64_t read(const std::string& key) const;

  wall_clock clock_;
  std::shared_ptr<replica> map_;
  std::mutex writer_;
  uint64_t seq_ = 0;
  std::atomic<bool> closed_{false};
};

} // namespace podshare::coord
