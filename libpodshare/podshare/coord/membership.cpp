#include "podshare/coord/membership.hpp"

#include "podshare/codec.hpp"
#include "podshare/coord/generation.hpp"
#include "podshare/coord/rendezvous.hpp"
#include "podshare/detail/blocking_call.hpp"
#include "podshare/error.hpp"
#include "podshare/record.hpp"
#include "podshare/replica.hpp"

#include <caf/typed_event_based_actor.hpp>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <mutex>

namespace podshare::coord {

struct membership::shared_state {
  caf::actor_system* sys = nullptr;
  store_handle presence;
  membership_actor actor;
  std::string name;
  uint32_t partitions = 0;
  caf::timespan timeout;
  std::mutex mtx;
  bool left = false;

  caf::error leave() {
    {
      std::lock_guard<std::mutex> guard{mtx};
      if (left)
        return caf::none;
      left = true;
    }
    auto res
      = detail::blocking_call<ok_atom>(*sys, actor, timeout, leave_atom::value);
    auto closed = detail::blocking_call<ok_atom>(*sys, presence.actor, timeout,
                                                 close_atom::value, timeout);
    if (!res)
      return std::move(res.error());
    return closed ? caf::error{} : std::move(closed.error());
  }

  ~shared_state() { leave(); }
};

caf::expected<membership> membership::join(caf::actor_system& sys,
                                           transport_actor transport,
                                           membership_options opts) {
  if (opts.ttl <= caf::timespan{0})
    return caf::make_error(ec::invalid_argument, "the TTL must be positive");
  if (opts.partitions == 0)
    return caf::make_error(ec::invalid_argument,
                           "there must be at least one partition");
  if (opts.store.node_id.empty())
    opts.store.node_id = opts.name.empty() ? random_node_id() : opts.name;
  auto timeout = opts.store.call_timeout;
  auto presence = open_store(
    sys, opts.topic, std::move(transport),
    make_value_ops<nlohmann::json, json_codec<nlohmann::json>>(), opts.store);
  if (!presence)
    return std::move(presence.error());
  membership_config cfg;
  cfg.name = opts.name.empty() ? presence->node_id : opts.name;
  cfg.ttl = opts.ttl;
  cfg.heartbeat
    = opts.heartbeat > caf::timespan{0} ? opts.heartbeat : opts.ttl / 4;
  cfg.settle = opts.settle > caf::timespan{0} ? opts.settle : cfg.heartbeat;
  cfg.partitions = opts.partitions;
  cfg.generation
    = opts.generation.empty() ? process_generation() : opts.generation;
  auto state = std::make_shared<shared_state>();
  state->sys = &sys;
  state->name = cfg.name;
  state->partitions = cfg.partitions;
  state->timeout = timeout;
  state->presence = *presence;
  state->actor = spawn_member(sys, std::move(*presence), std::move(cfg));
  return membership{std::move(state)};
}

caf::expected<std::vector<std::string>> membership::live() const {
  return detail::blocking_call<std::vector<std::string>>(
    *state_->sys, state_->actor, state_->timeout, get_atom::value);
}

caf::expected<std::string> membership::owner(uint32_t partition) const {
  auto members = live();
  if (!members)
    return std::move(members.error());
  return coord::owner(partition, *members, state_->partitions);
}

caf::expected<std::vector<uint32_t>> membership::held() const {
  return detail::blocking_call<std::vector<uint32_t>>(
    *state_->sys, state_->actor, state_->timeout, get_atom::value,
    ownership_atom::value);
}

caf::expected<std::vector<std::string>> membership::live_generations() const {
  auto members = live();
  if (!members)
    return std::move(members.error());
  std::vector<std::string> result;
  for (auto& member : *members)
    state_->presence.map->read(member, [&](const record* x) {
      if (x == nullptr || x->tombstone())
        return;
      auto& beat = x->value_as<nlohmann::json>();
      if (auto g = beat.find("generation"); g != beat.end() && g->is_string())
        result.push_back(g->get<std::string>());
    });
  std::sort(result.begin(), result.end());
  return result;
}

caf::expected<bool> membership::holds(uint32_t partition) const {
  auto x = held();
  if (!x)
    return std::move(x.error());
  return std::binary_search(x->begin(), x->end(), partition);
}

void membership::on_ownership(ownership_callback f) {
  auto listener
    = state_->sys->spawn([f = std::move(f)](ownership_listener_actor::pointer)
                           -> ownership_listener_actor::behavior_type {
        return {
          [f](ownership_atom, const ownership_change& x) { f(x); },
        };
      });
  caf::anon_send(state_->actor, watch_atom::value, std::move(listener));
}

caf::error membership::leave() {
  return state_->leave();
}

const std::string& membership::name() const {
  return state_->name;
}

uint32_t membership::partitions() const {
  return state_->partitions;
}

const membership_actor& membership::actor() const {
  return state_->actor;
}

} // namespace podshare::coord
