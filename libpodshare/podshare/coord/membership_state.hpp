#pragma once

#include "podshare/coord/interfaces.hpp"
#include "podshare/store_handle.hpp"

#include <caf/actor_clock.hpp>
#include <caf/timespan.hpp>

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace podshare::coord {

/// How a member behaves.
struct membership_config {
  /// This member's name: its key in the presence topic.
  std::string name;
  /// A member whose heartbeat has not arrived for this long is dropped.
  caf::timespan ttl = std::chrono::seconds{10};
  /// How often this member heartbeats; well under the TTL.
  caf::timespan heartbeat = std::chrono::milliseconds{2500};
  /// How long a partition this member gains waits before it is taken, so
  /// that the previous owner sees the same change and gives it up first.
  caf::timespan settle = std::chrono::milliseconds{2500};
  /// The partitions of the keyspace.
  uint32_t partitions = 256;
  /// The process generation the heartbeat carries (see generation.hpp).
  std::string generation;
};

/// The state of a membership actor: who is live, judged by when their
/// heartbeats arrived here, and which partitions this member holds. Pure
/// logic over a clock the caller passes in.
struct membership_state {
  using time_point = caf::actor_clock::time_point;

  membership_config cfg;
  store_handle presence;
  /// When each member's heartbeat last arrived here (local clock).
  std::map<std::string, time_point> arrived;
  /// Heartbeats this member wrote.
  uint64_t beats = 0;
  bool left = false;
  /// Partitions held, and those gained that wait for their settle time.
  std::set<uint32_t> held;
  std::map<uint32_t, time_point> pending;
  std::vector<ownership_listener_actor> listeners;

  /// The live members at `now`, sorted: this one while it has not left,
  /// and every other whose heartbeat arrived within the TTL.
  std::vector<std::string> live(time_point now) const;

  /// Records a heartbeat of `member` (or its removal) arriving at `now`.
  void heard(const std::string& member, bool removed, time_point now);

  /// Counts every member in the presence replica as heard at `now`: a
  /// member that joins trusts what it loaded for one TTL.
  void heard_all_in_replica(time_point now);

  /// The heartbeat this member writes next.
  bytes next_heartbeat();

  /// Re-evaluates ownership at `now`: drops partitions another member now
  /// owns (answered at once), schedules those gained (after `settle`),
  /// takes those whose settle time has passed. Nothing when it did not
  /// change.
  std::optional<ownership_change> update(time_point now);

  /// Gives up every partition (on leaving).
  std::optional<ownership_change> release_all(time_point now);

  /// Members silent for three TTLs: their heartbeats can go from the map
  /// (a SIGKILLed member never removes its own). Each is forgotten here.
  std::vector<std::string> reap(time_point now);

  /// The earliest settle deadline, if any partition waits.
  std::optional<time_point> next_settle() const;
};

} // namespace podshare::coord
