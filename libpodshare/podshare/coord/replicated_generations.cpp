#include "podshare/coord/replicated_generations.hpp"

#include "podshare/coord/generation.hpp"
#include "podshare/error.hpp"
#include "podshare/hybrid_clock.hpp"
#include "podshare/record.hpp"
#include "podshare/replica.hpp"

#include <algorithm>
#include <chrono>

namespace podshare::coord {

namespace {

uint64_t count_of(const nlohmann::json& x) {
  // A literal in C++ is a signed number to nlohmann; a parsed one unsigned.
  if (!x.is_number_integer()
      || (!x.is_number_unsigned() && x.get<int64_t>() < 0))
    return 0;
  return x.get<uint64_t>();
}

} // namespace

caf::expected<std::unique_ptr<replicated_generations>>
replicated_generations::open(caf::actor_system& sys, transport_actor transport,
                             std::string topic, options opts) {
  auto clock = opts.wall_clock ? opts.wall_clock : system_wall_clock();
  auto s = json_store::open(sys, std::move(topic), std::move(transport),
                            std::move(opts), join);
  if (!s)
    return std::move(s.error());
  return std::unique_ptr<replicated_generations>{new replicated_generations(
    std::move(*s), fresh_generation(), std::move(clock))};
}

nlohmann::json replicated_generations::join(const nlohmann::json& x,
                                            const nlohmann::json& y) {
  auto result = x.is_object() ? x : nlohmann::json::object();
  if (!y.is_object())
    return result;
  for (auto& [writer, count] : y.items()) {
    auto mine = result.find(writer);
    if (mine == result.end() || count_of(*mine) < count_of(count))
      result[writer] = count_of(count);
  }
  return result;
}

uint64_t replicated_generations::generation_of(const nlohmann::json& x) {
  uint64_t sum = 0;
  if (x.is_object())
    for (auto& [writer, count] : x.items())
      sum += count_of(count);
  return sum;
}

uint64_t replicated_generations::read(const std::string& key) const {
  uint64_t result = 0;
  store_.visit(key,
               [&](const nlohmann::json& x) { result = generation_of(x); });
  return result;
}

caf::expected<uint64_t>
replicated_generations::snapshot(const std::string& key) {
  return read(key);
}

caf::expected<std::vector<uint64_t>>
replicated_generations::snapshot_many(const std::vector<std::string>& keys) {
  std::vector<uint64_t> result;
  result.reserve(keys.size());
  for (auto& key : keys)
    result.push_back(read(key));
  return result;
}

caf::expected<uint64_t> replicated_generations::bump(const std::string& key) {
  // One bump at a time per instance: each reads its own count and writes it
  // plus one; the store joins that with every other writer's count.
  std::lock_guard<std::mutex> guard{writer_mtx_};
  uint64_t mine = 0;
  store_.visit(key, [&](const nlohmann::json& x) {
    if (auto i = x.find(writer_); i != x.end())
      mine = count_of(*i);
  });
  auto res = store_.set(key, nlohmann::json{{writer_, mine + 1}});
  if (!res && res.error() != ec::broadcast_failed)
    return std::move(res.error());
  return read(key);
}

caf::expected<uint64_t>
replicated_generations::cleanup(caf::timespan retention) {
  auto cutoff = clock_() - retention.count();
  std::vector<std::string> stale;
  store_.map()->for_each([&](const record& x) {
    if (!x.tombstone() && x.timestamp() < cutoff)
      stale.emplace_back(x.key());
  });
  if (stale.empty())
    return uint64_t{0};
  auto n = stale.size();
  auto res = store_.erase_many(std::move(stale));
  if (!res && res.error() != ec::broadcast_failed)
    return std::move(res.error());
  return n;
}

caf::error replicated_generations::close() {
  return store_.close();
}

} // namespace podshare::coord
