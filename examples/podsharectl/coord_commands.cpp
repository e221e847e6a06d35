#include "coord_commands.hpp"

#include "commands.hpp"

#include "podshare/coord/counters.hpp"
#include "podshare/coord/membership.hpp"
#include "podshare/coord/redis_generations.hpp"
#include "podshare/coord/rendezvous.hpp"
#include "podshare/coord/replicated_generations.hpp"
#include "podshare/error.hpp"

#include <algorithm>
#include <chrono>
#include <map>
#include <ostream>
#include <set>

namespace podsharectl {

namespace {

std::string topic_or(const coord_args& args, const char* fallback) {
  return args.topic.empty() ? std::string{fallback} : args.topic;
}

} // namespace

outcome counter(caf::actor_system& sys, podshare::transport_actor transport,
                const coord_args& args, podshare::options opts,
                std::ostream& out) {
  podshare::coord::counters_options copts;
  copts.topic = topic_or(args, podshare::coord::default_counters_topic);
  copts.store = std::move(opts);
  auto c = podshare::coord::counters::open(sys, std::move(transport), copts);
  if (!c)
    return failure(c.error());
  caf::expected<int64_t> value{int64_t{0}};
  if (args.op == "incr")
    value = (*c)->incr(args.key, args.by);
  else if (args.op == "decr")
    value = (*c)->decr(args.key, args.by);
  else
    value = (*c)->value(args.key);
  auto closed = (*c)->close();
  if (!value)
    return failure(value.error());
  out << *value << '\n';
  return closed ? failure(closed) : outcome::ok();
}

outcome gen(caf::actor_system& sys, podshare::transport_actor transport,
            const coord_args& args, podshare::options opts, std::ostream& out) {
  std::unique_ptr<podshare::coord::generations> g;
  if (args.atomic) {
    if (args.redis_url.empty())
      return outcome::fail(exit_code::usage, "gen --atomic needs --redis");
    auto ropts
      = podshare::coord::redis_generations_options::from_url(args.redis_url);
    if (!ropts)
      return failure(ropts.error());
    auto r = podshare::coord::redis_generations::connect(*ropts);
    if (!r)
      return failure(r.error());
    g = std::move(*r);
  } else {
    auto r = podshare::coord::replicated_generations::open(
      sys, std::move(transport),
      topic_or(args, podshare::coord::default_generations_topic),
      std::move(opts));
    if (!r)
      return failure(r.error());
    g = std::move(*r);
  }
  auto value = args.op == "bump" ? g->bump(args.key) : g->snapshot(args.key);
  auto closed = g->close();
  if (!value)
    return failure(value.error());
  out << *value << '\n';
  return closed ? failure(closed) : outcome::ok();
}

caf::expected<std::vector<std::string>>
live_members(caf::actor_system& sys, podshare::transport_actor transport,
             const std::string& topic, podshare::options opts,
             caf::timespan wait) {
  // Watches the presence topic without joining it: a member is live when a
  // heartbeat of it arrives while we listen, judged by arrival as members
  // judge each other. We listen for the longest heartbeat interval the
  // heartbeats announce (the default one when none is known yet: the
  // snapshot may predate a member that just joined), plus half, and at
  // most `wait`.
  auto presence = json_store::open(sys, topic, std::move(transport), opts);
  if (!presence)
    return std::move(presence.error());
  auto events = presence->watch();
  int64_t longest_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                         podshare::coord::membership_options{}.ttl / 4)
                         .count();
  for (auto& [name, beat] : presence->snapshot())
    if (auto i = beat.find("interval_ms");
        i != beat.end() && i->is_number_integer())
      longest_ms = std::max(longest_ms, i->get<int64_t>());
  auto listen = std::min<caf::timespan>(
    wait, std::chrono::milliseconds{longest_ms + longest_ms / 2});
  std::set<std::string> heard;
  auto deadline = std::chrono::steady_clock::now() + listen;
  for (;;) {
    auto left = deadline - std::chrono::steady_clock::now();
    if (left <= std::chrono::steady_clock::duration::zero())
      break;
    auto x = events.next(std::chrono::duration_cast<caf::timespan>(left));
    if (!x)
      break;
    if (x->kind == podshare::event_kind::set)
      heard.insert(x->key);
    else
      heard.erase(x->key);
  }
  presence->close();
  return std::vector<std::string>{heard.begin(), heard.end()};
}

outcome members(caf::actor_system& sys, podshare::transport_actor transport,
                const coord_args& args, podshare::options opts,
                caf::timespan wait, std::ostream& out) {
  auto live
    = live_members(sys, std::move(transport),
                   topic_or(args, podshare::coord::default_presence_topic),
                   std::move(opts), wait);
  if (!live)
    return failure(live.error());
  for (auto& name : *live)
    out << name << '\n';
  return outcome::ok();
}

outcome owner(caf::actor_system& sys, podshare::transport_actor transport,
              const coord_args& args, podshare::options opts,
              caf::timespan wait, std::ostream& out) {
  uint32_t partition = 0;
  if (args.entity.size() == 2)
    partition = podshare::coord::partition_of(args.entity[0], args.entity[1],
                                              args.partitions);
  else if (args.partition && *args.partition < args.partitions)
    partition = *args.partition;
  else
    return outcome::fail(exit_code::usage,
                         "owner needs PARTITION (below --partitions) or "
                         "--entity TENANT ENTITY");
  auto live
    = live_members(sys, std::move(transport),
                   topic_or(args, podshare::coord::default_presence_topic),
                   std::move(opts), wait);
  if (!live)
    return failure(live.error());
  auto who = podshare::coord::owner(partition, *live, args.partitions);
  if (who.empty())
    return outcome{exit_code::absent, {}};
  out << who << '\n';
  return outcome::ok();
}

} // namespace podsharectl
