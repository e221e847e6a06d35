#include "podshare/net/redis/snapshot_merge.hpp"

#include "podshare/wire.hpp"

#include <string_view>
#include <unordered_map>

namespace podshare::net::redis {

namespace {

// The wire format of an encoded message, told by its first byte as a
// receiver tells it (spec §10).
wire::format format_of(const bytes& payload) {
  for (auto byte : payload) {
    if (byte == ' ' || byte == '\t' || byte == '\r' || byte == '\n')
      continue;
    return byte == '{' ? wire::format::json : wire::format::msgpack;
  }
  return wire::format::msgpack;
}

} // namespace

caf::expected<bytes> merge_snapshots(const bytes& stored, const bytes& ours) {
  auto theirs = wire::decode_snapshot(stored.data(), stored.size());
  if (!theirs)
    return std::move(theirs.error());
  auto mine = wire::decode_snapshot(ours.data(), ours.size());
  if (!mine)
    return std::move(mine.error());
  std::unordered_map<std::string_view, size_t> index;
  index.reserve(mine->size());
  for (size_t i = 0; i < mine->size(); ++i)
    index.emplace((*mine)[i].key, i);
  bool changed = false;
  std::vector<event> adopted;
  for (auto& entry : *theirs) {
    auto i = index.find(entry.key);
    if (i == index.end()) {
      adopted.push_back(std::move(entry));
      changed = true;
    } else if (auto& slot = (*mine)[i->second]; slot.version < entry.version) {
      // The key stays: `index` views it.
      slot.kind = entry.kind;
      slot.value = std::move(entry.value);
      slot.version = std::move(entry.version);
      changed = true;
    }
  }
  if (!changed)
    return ours;
  index.clear(); // Its views point into entries about to move.
  for (auto& entry : adopted)
    mine->push_back(std::move(entry));
  return wire::encode_snapshot(format_of(ours), *mine);
}

} // namespace podshare::net::redis
