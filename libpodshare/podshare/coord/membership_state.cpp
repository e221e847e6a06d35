#include "podshare/coord/membership_state.hpp"

#include "podshare/codec.hpp"
#include "podshare/coord/rendezvous.hpp"
#include "podshare/record.hpp"
#include "podshare/replica.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>

namespace podshare::coord {

std::vector<std::string> membership_state::live(time_point now) const {
  std::vector<std::string> result;
  for (auto& [member, at] : arrived)
    if (member != cfg.name && now - at < cfg.ttl)
      result.push_back(member);
  if (!left)
    result.push_back(cfg.name);
  std::sort(result.begin(), result.end());
  return result;
}

void membership_state::heard(const std::string& member, bool removed,
                             time_point now) {
  if (removed)
    arrived.erase(member);
  else
    arrived[member] = now;
}

void membership_state::heard_all_in_replica(time_point now) {
  presence.map->for_each([&](const record& x) {
    if (!x.tombstone())
      arrived[std::string{x.key()}] = now;
  });
}

bytes membership_state::next_heartbeat() {
  using std::chrono::duration_cast;
  using std::chrono::milliseconds;
  nlohmann::json beat{
    {"beat", ++beats},
    {"ttl_ms", duration_cast<milliseconds>(cfg.ttl).count()},
    {"interval_ms", duration_cast<milliseconds>(cfg.heartbeat).count()},
    {"generation", cfg.generation}};
  auto encoded = json_codec<nlohmann::json>::encode(beat);
  return encoded ? std::move(*encoded) : bytes{};
}

std::optional<ownership_change> membership_state::update(time_point now) {
  auto members = live(now);
  std::set<uint32_t> target;
  if (!left)
    for (auto p : owned_partitions(cfg.name, members, cfg.partitions))
      target.insert(p);
  ownership_change change;
  for (auto p : held)
    if (target.count(p) == 0)
      change.lost.push_back(p);
  for (auto p : change.lost)
    held.erase(p);
  // Gained partitions wait; one that moved away again stops waiting.
  for (auto i = pending.begin(); i != pending.end();)
    i = target.count(i->first) == 0 ? pending.erase(i) : std::next(i);
  for (auto p : target)
    if (held.count(p) == 0 && pending.count(p) == 0)
      pending.emplace(p, now + cfg.settle);
  for (auto i = pending.begin(); i != pending.end();) {
    if (i->second <= now) {
      change.acquired.push_back(i->first);
      held.insert(i->first);
      i = pending.erase(i);
    } else {
      ++i;
    }
  }
  if (change.acquired.empty() && change.lost.empty())
    return std::nullopt;
  change.live = std::move(members);
  return change;
}

std::optional<ownership_change> membership_state::release_all(time_point now) {
  left = true;
  pending.clear();
  if (held.empty())
    return std::nullopt;
  ownership_change change;
  change.lost.assign(held.begin(), held.end());
  held.clear();
  change.live = live(now);
  return change;
}

std::vector<std::string> membership_state::reap(time_point now) {
  std::vector<std::string> result;
  for (auto i = arrived.begin(); i != arrived.end();) {
    if (i->first != cfg.name && now - i->second >= 3 * cfg.ttl) {
      result.push_back(i->first);
      i = arrived.erase(i);
    } else {
      ++i;
    }
  }
  return result;
}

std::optional<membership_state::time_point>
membership_state::next_settle() const {
  std::optional<time_point> result;
  for (auto& [p, at] : pending)
    if (!result || at < *result)
      result = at;
  return result;
}

} // namespace podshare::coord
