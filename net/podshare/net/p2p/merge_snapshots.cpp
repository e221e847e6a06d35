#include "podshare/net/p2p/merge_snapshots.hpp"

#include "podshare/event.hpp"
#include "podshare/wire.hpp"

#include <string>
#include <unordered_map>

namespace podshare::net {

caf::expected<bytes> merge_snapshots(std::vector<bytes> snapshots) {
  if (snapshots.empty())
    return bytes{};
  if (snapshots.size() == 1)
    return std::move(snapshots.front());
  std::unordered_map<std::string, event> merged;
  caf::error first_error;
  size_t decoded = 0;
  for (auto& snapshot : snapshots) {
    auto entries = wire::decode_snapshot(snapshot.data(), snapshot.size());
    if (!entries) {
      if (!first_error)
        first_error = std::move(entries.error());
      continue;
    }
    ++decoded;
    for (auto& x : *entries) {
      auto i = merged.find(x.key);
      if (i == merged.end())
        merged.emplace(x.key, std::move(x));
      else if (i->second.version < x.version)
        i->second = std::move(x);
    }
  }
  if (decoded == 0)
    return first_error;
  std::vector<event> entries;
  entries.reserve(merged.size());
  for (auto& kv : merged)
    entries.push_back(std::move(kv.second));
  return wire::encode_snapshot(wire::format::msgpack, entries);
}

} // namespace podshare::net
