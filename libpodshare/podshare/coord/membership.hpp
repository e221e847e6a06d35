#pragma once

#include "podshare/coord/interfaces.hpp"
#include "podshare/coord/member.hpp"
#include "podshare/options.hpp"
#include "podshare/store_handle.hpp"

#include <caf/actor_system.hpp>
#include <caf/expected.hpp>

#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace podshare::coord {

/// The presence topic every member of a group shares, unless told another.
constexpr const char* default_presence_topic = "podshare:members";

/// What `membership::join` needs beyond the transport.
struct membership_options {
  std::string topic = default_presence_topic;
  /// Empty: the presence store's node id.
  std::string name;
  caf::timespan ttl = std::chrono::seconds{10};
  /// 0: a quarter of the TTL.
  caf::timespan heartbeat{0};
  /// 0: one heartbeat interval.
  caf::timespan settle{0};
  uint32_t partitions = 256;
  /// The generation the heartbeat carries; empty: this process's (tests
  /// that run several members in one process give each its own).
  std::string generation;
  /// Options of the presence store (its node id names the member when
  /// `name` is empty).
  podshare::options store;
};

/// A member of a group, for plain threads: joins on construction, leaves on
/// `leave()` or when the last copy goes. docs/coordination.md says what it
/// guarantees.
class membership {
public:
  using ownership_callback = std::function<void(const ownership_change&)>;

  /// Opens the presence topic on `transport` and joins as a member.
  static caf::expected<membership> join(caf::actor_system& sys,
                                        transport_actor transport,
                                        membership_options opts = {});

  // Each read asks the member actor: an error when it did not answer
  // within the presence store's call timeout, or has left.

  /// The live members, sorted; this one included until it leaves.
  caf::expected<std::vector<std::string>> live() const;

  /// The live owner of `partition` ("" when none).
  caf::expected<std::string> owner(uint32_t partition) const;

  /// Whether this member holds `partition` now (after its settle time).
  caf::expected<bool> holds(uint32_t partition) const;

  /// The partitions this member holds, ascending.
  caf::expected<std::vector<uint32_t>> held() const;

  /// The process generations the live members' heartbeats carry, sorted.
  caf::expected<std::vector<std::string>> live_generations() const;

  /// Calls `f` with every ownership change, the first listing everything
  /// held; `f` runs on an actor of its own: keep it short.
  void on_ownership(ownership_callback f);

  /// Leaves the group: the heartbeat is removed (peers drop this member at
  /// once) and every partition is given up. Idempotent.
  caf::error leave();

  const std::string& name() const;
  uint32_t partitions() const;
  const membership_actor& actor() const;

private:
  struct shared_state;

  explicit membership(std::shared_ptr<shared_state> state)
    : state_(std::move(state)) {}

  std::shared_ptr<shared_state> state_;
};

} // namespace podshare::coord
