#include "podshare/snapshot_join.hpp"

#include "podshare/event.hpp"
#include "podshare/version_vector.hpp"

#include <algorithm>
#include <deque>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace podshare {

namespace {

// The join so far: per key the winning entry and the snapshot it came from.
// Entries live in a deque, which never moves them, so that the index can
// view their keys instead of copying every key once more.
class joined_entries {
public:
  void reserve(size_t n) { index_.reserve(n); }

  // Takes `x` from snapshot `source` where it is new or newer.
  void offer(event& x, size_t source) {
    auto i = index_.find(x.key);
    if (i == index_.end()) {
      entries_.push_back(std::move(x));
      sources_.push_back(source);
      index_.emplace(entries_.back().key, entries_.size() - 1);
      return;
    }
    auto& winner = entries_[i->second];
    if (!(winner.version < x.version))
      return;
    // The key stays: the index views it.
    winner.kind = x.kind;
    winner.value = std::move(x.value);
    winner.version = std::move(x.version);
    sources_[i->second] = source;
  }

  // Whether snapshot `source` holds the join: it won every key.
  bool won_by(size_t source) const {
    return std::all_of(sources_.begin(), sources_.end(),
                       [source](size_t x) { return x == source; });
  }

  bytes encode(wire::format fmt,
               const std::vector<applied_writes>& applied) const {
    std::vector<wire::entry_view> views;
    views.reserve(entries_.size());
    for (auto& x : entries_)
      views.push_back({x.key, x.kind == event_kind::erase ? nullptr : &x.value,
                       x.version.timestamp, x.version.origin, x.version.seq,
                       x.version.incarnation});
    return wire::encode_snapshot(fmt, views, applied);
  }

private:
  std::deque<event> entries_;
  std::vector<size_t> sources_;
  std::unordered_map<std::string_view, size_t> index_;
};

} // namespace

caf::expected<bytes> join_snapshots(std::vector<bytes> snapshots,
                                    wire::format fmt, size_t* undecodable) {
  if (undecodable != nullptr)
    *undecodable = 0;
  if (snapshots.empty())
    return bytes{};
  joined_entries joined;
  caf::error first_error;
  std::vector<size_t> decoded;
  // The join reflects every write any of its sources reflects.
  version_vector applied;
  std::vector<std::vector<applied_writes>> applied_by(snapshots.size());
  // One snapshot decoded at a time: what loses is freed before the next.
  for (size_t source = 0; source < snapshots.size(); ++source) {
    auto& snapshot = snapshots[source];
    auto entries = wire::decode_snapshot(snapshot.data(), snapshot.size(),
                                         &applied_by[source]);
    if (!entries) {
      if (undecodable != nullptr)
        ++*undecodable;
      if (!first_error)
        first_error = std::move(entries.error());
      continue;
    }
    if (decoded.empty())
      joined.reserve(entries->size());
    decoded.push_back(source);
    applied.merge(applied_by[source]);
    for (auto& x : *entries)
      joined.offer(x, source);
  }
  if (decoded.empty())
    return first_error;
  auto joined_applied = applied.entries();
  for (auto source : decoded)
    if (joined.won_by(source) && applied_by[source] == joined_applied)
      return std::move(snapshots[source]);
  return joined.encode(fmt, joined_applied);
}

} // namespace podshare
