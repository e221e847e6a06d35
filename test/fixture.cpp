#include "fixture.hpp"

#include <caf/typed_event_based_actor.hpp>

#include <algorithm>

namespace podshare::testing {

store_fixture::store_fixture() {
  transport = net::spawn_memory_transport(sys);
}

options store_fixture::make_options(const std::string& node) const {
  options opts;
  opts.node_id = node;
  opts.wall_clock = clock.source();
  opts.gc_interval = caf::timespan{0};
  auto sink = reports;
  opts.error_handler = [sink](const caf::error& err) { sink->push_back(err); };
  return opts;
}

store_handle store_fixture::open_with(const std::string& node, options opts,
                                      value_ops values) {
  auto handle
    = spawn_store(sys, topic, transport, std::move(values), std::move(opts));
  CAF_REQUIRE(handle);
  auto opened = call<ok_atom>(handle->actor, open_atom::value);
  CAF_REQUIRE(opened);
  CAF_MESSAGE("opened store " << node);
  return *handle;
}

store_handle store_fixture::open(const std::string& node, options opts) {
  return open_with(node, std::move(opts), make_value_ops<std::string>());
}

store_handle store_fixture::open_merging(const std::string& node) {
  return open_with(node, make_options(node),
                   make_value_ops<std::string>(join_chars));
}

std::string store_fixture::join_chars(const std::string& x,
                                      const std::string& y) {
  std::string all = x + y;
  std::sort(all.begin(), all.end());
  all.erase(std::unique(all.begin(), all.end()), all.end());
  return all;
}

store_handle store_fixture::open(const std::string& node) {
  return open(node, make_options(node));
}

store_handle store_fixture::open_on(const std::string& node,
                                    transport_actor via) {
  auto saved = transport;
  transport = std::move(via);
  auto result = open(node);
  transport = std::move(saved);
  return result;
}

void store_fixture::pass(caf::timespan x) {
  clock.advance(x);
  advance_time(x);
  consume_messages();
}

caf::expected<version> store_fixture::set(const store_handle& s,
                                          const std::string& key,
                                          const std::string& value) {
  return call<version>(s.actor, set_atom::value,
                       write_item{key, encode(value), nullptr});
}

caf::expected<version> store_fixture::erase(const store_handle& s,
                                            const std::string& key) {
  return call<version>(s.actor, erase_atom::value, key);
}

std::optional<std::string> store_fixture::get(const store_handle& s,
                                              const std::string& key) const {
  return s.map->read(key, [](const record* x) -> std::optional<std::string> {
    if (x == nullptr || x->tombstone())
      return std::nullopt;
    return x->value_as<std::string>();
  });
}

bytes store_fixture::encode(const std::string& value) {
  return *msgpack_codec<std::string>::encode(value);
}

void store_fixture::deliver(const store_handle& s, const bytes& payload) {
  self->send(s.actor, deliver_atom::value, topic, payload, ingest_ticket{});
  consume_messages();
}

bytes store_fixture::peer_event(event_kind kind, const std::string& key,
                                const std::string& value, version v,
                                wire::format fmt) {
  event x;
  x.kind = kind;
  x.key = key;
  if (kind == event_kind::set)
    x.value = encode(value);
  x.version = std::move(v);
  return wire::encode_events(fmt, {x});
}

bool store_fixture::reported(ec code) const {
  for (auto& err : *reports)
    if (err == code)
      return true;
  return false;
}

watcher_actor spawn_recorder(caf::actor_system& sys,
                             std::shared_ptr<recorded_watch> into) {
  return sys.spawn([into]() -> watcher_actor::behavior_type {
    return {
      [into](event_atom, watch_id, const event_batch& xs) {
        into->events.insert(into->events.end(), xs.events().begin(),
                            xs.events().end());
      },
      [into](watch_end_atom, watch_id, watch_end why) { into->ended = why; },
    };
  });
}

std::vector<event> events_keyed(const std::vector<std::string>& keys) {
  std::vector<event> result(keys.size());
  for (size_t i = 0; i < keys.size(); ++i)
    result[i].key = keys[i];
  return result;
}

std::string next_key(watch_queue& q) {
  auto item = q.next(caf::timespan{0});
  if (auto* x = std::get_if<event>(&item))
    return x->key;
  if (auto* why = std::get_if<watch_end>(&item))
    return std::string{"end:"} + to_string(*why);
  return "";
}

} // namespace podshare::testing
