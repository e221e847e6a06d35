#pragma once

// podsharectl's coordination commands (docs/coordination.md): counters,
// generations, members and owners, on the transport the flags chose.

#include "exit_code.hpp"

#include "podshare/interfaces.hpp"
#include "podshare/options.hpp"

#include <caf/actor_system.hpp>
#include <caf/timespan.hpp>

#include <cstdint>
#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

namespace podsharectl {

/// What the coordination commands take from the command line.
struct coord_args {
  /// incr, decr, get (counter); bump, get (gen).
  std::string op;
  std::string key;
  uint64_t by = 1;
  /// `gen` through Redis INCR rather than a replicated topic.
  bool atomic = false;
  std::string redis_url;
  /// `owner`: a partition, or a (tenant, entity) pair to hash.
  std::optional<uint32_t> partition;
  std::vector<std::string> entity;
  uint32_t partitions = 256;
  /// Empty: the library's default topic for the command.
  std::string topic;
};

/// `counter incr|decr KEY [--by N]` prints the new value; `counter get KEY`
/// the value (0 when never counted).
outcome counter(caf::actor_system& sys, podshare::transport_actor transport,
                const coord_args& args, podshare::options opts,
                std::ostream& out);

/// `gen bump KEY` prints the new generation, `gen get KEY` the current one.
outcome gen(caf::actor_system& sys, podshare::transport_actor transport,
            const coord_args& args, podshare::options opts, std::ostream& out);

/// The members whose heartbeats arrive within `wait` (at most one
/// heartbeat interval of theirs, as their heartbeats say), sorted.
caf::expected<std::vector<std::string>>
live_members(caf::actor_system& sys, podshare::transport_actor transport,
             const std::string& topic, podshare::options opts,
             caf::timespan wait);

/// `members`: the live members, one a line.
outcome members(caf::actor_system& sys, podshare::transport_actor transport,
                const coord_args& args, podshare::options opts,
                caf::timespan wait, std::ostream& out);

/// `owner PARTITION | --entity TENANT ENTITY`: the live owner of the
/// partition, `absent` when nobody is live.
outcome owner(caf::actor_system& sys, podshare::transport_actor transport,
              const coord_args& args, podshare::options opts,
              caf::timespan wait, std::ostream& out);

} // namespace podsharectl
