#include "podshare/snapshot_join.hpp"

#include "podshare/event.hpp"

#include <algorithm>
#include <string>
#include <unordered_map>

namespace podshare {

caf::expected<bytes> join_snapshots(std::vector<bytes> snapshots,
                                    wire::format fmt, size_t* undecodable) {
  if (undecodable != nullptr)
    *undecodable = 0;
  if (snapshots.empty())
    return bytes{};
  // Per key: the winning entry and the snapshot it came from.
  std::unordered_map<std::string, std::pair<event, size_t>> joined;
  caf::error first_error;
  std::vector<size_t> decoded;
  for (size_t source = 0; source < snapshots.size(); ++source) {
    auto& snapshot = snapshots[source];
    auto entries = wire::decode_snapshot(snapshot.data(), snapshot.size());
    if (!entries) {
      if (undecodable != nullptr)
        ++*undecodable;
      if (!first_error)
        first_error = std::move(entries.error());
      continue;
    }
    decoded.push_back(source);
    for (auto& x : *entries) {
      auto i = joined.find(x.key);
      if (i == joined.end()) {
        auto key = x.key;
        joined.emplace(std::move(key), std::make_pair(std::move(x), source));
      } else if (i->second.first.version < x.version) {
        i->second = std::make_pair(std::move(x), source);
      }
    }
  }
  if (decoded.empty())
    return first_error;
  // A source that won every key, and holds no key more, is the join.
  for (auto source : decoded) {
    auto wins = std::all_of(joined.begin(), joined.end(), [&](auto& kv) {
      return kv.second.second == source;
    });
    if (wins)
      return std::move(snapshots[source]);
  }
  std::vector<event> entries;
  entries.reserve(joined.size());
  for (auto& kv : joined)
    entries.push_back(std::move(kv.second.first));
  return wire::encode_snapshot(fmt, entries);
}

} // namespace podshare
