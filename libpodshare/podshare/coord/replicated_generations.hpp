#pragma once

#include "podshare/codec.hpp"
#include "podshare/coord/generations.hpp"
#include "podshare/interfaces.hpp"
#include "podshare/options.hpp"
#include "podshare/store.hpp"

#include <caf/actor_system.hpp>

#include <nlohmann/json.hpp>

#include <mutex>
#include <string>

namespace podshare::coord {

/// The topic replicated generations share unless told another.
constexpr const char* default_generations_topic = "podshare:generations";

/// Generations replicated over a podshare topic, with no server: each key
/// holds one count per writer (a grow-only counter: a JSON object from
/// writer to count, joined by the largest count per writer), and a key's
/// generation is the sum. So a bump on any pod raises the generation on
/// every pod, concurrent bumps both count, and a pod's generation never
/// goes down (until `cleanup` drops the key). Not one global order: two
/// pods that bump at once may both answer the same new generation.
class replicated_generations : public generations {
public:
  using json_store = store<nlohmann::json, json_codec<nlohmann::json>>;

  /// Opens `topic` on `transport`. Each instance writes under a writer id
  /// of its own (a fresh generation), so instances never overwrite each
  /// other's counts.
  static caf::expected<std::unique_ptr<replicated_generations>>
  open(caf::actor_system& sys, transport_actor transport,
       std::string topic = default_generations_topic, options opts = {});

  /// The join of two values of this topic: per writer, the larger count.
  static nlohmann::json join(const nlohmann::json& x, const nlohmann::json& y);

  /// The generation a value stands for: the sum of its counts.
  static uint64_t generation_of(const nlohmann::json& x);

  caf::expected<uint64_t> snapshot(const std::string& key) override;
  caf::expected<std::vector<uint64_t>>
  snapshot_many(const std::vector<std::string>& keys) override;
  caf::expected<uint64_t> bump(const std::string& key) override;
  caf::expected<uint64_t> cleanup(caf::timespan retention) override;
  caf::error close() override;

  const std::string& writer() const { return writer_; }

  /// The store underneath, e.g. to watch bumps.
  json_store& underlying() { return store_; }

private:
  replicated_generations(json_store store, std::string writer, wall_clock clock)
    : store_(std::move(store)), writer_(std::move(writer)),
      clock_(std::move(clock)) {}

  uint64_t read(const std::string& key) const;

  json_store store_;
  std::string writer_;
  wall_clock clock_;
  std::mutex writer_mtx_;
};

} // namespace podshare::coord
