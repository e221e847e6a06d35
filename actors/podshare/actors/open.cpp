#include "podshare/store_handle.hpp"

#include "podshare/actors/store.hpp"
#include "podshare/error.hpp"

#include <caf/scoped_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include <random>

namespace podshare {

std::string random_node_id() {
  static constexpr char digits[] = "0123456789abcdef";
  std::random_device source;
  std::string result;
  for (int i = 0; i < 12; ++i) {
    auto byte = source() & 0xFFu;
    result += digits[byte >> 4];
    result += digits[byte & 0xF];
  }
  return result;
}

caf::expected<store_handle> spawn_store(caf::actor_system& sys,
                                        std::string topic,
                                        transport_actor transport,
                                        value_ops values, options opts) {
  if (topic.empty())
    return caf::make_error(ec::invalid_argument, "empty topic");
  if (!transport)
    return caf::make_error(ec::invalid_argument, "missing transport");
  if (!values.encode_into || !values.decode || !values.layout.copy_construct
      || !values.layout.destroy)
    return caf::make_error(ec::invalid_argument, "missing value codec");
  if (opts.node_id.empty())
    opts.node_id = random_node_id();
  if (!opts.wall_clock)
    opts.wall_clock = system_wall_clock();
  store_handle handle;
  handle.topic = topic;
  handle.node_id = opts.node_id;
  handle.options = opts;
  handle.values = std::make_shared<const value_ops>(std::move(values));
  handle.counters = std::make_shared<detail::counters>();
  auto map = std::make_shared<replica>(handle.values->layout,
                                       handle.options.ordered_reads);
  handle.map = map;
  actors::store_config cfg{std::move(topic), std::move(transport),
                           handle.values,    opts,
                           std::move(map),   handle.counters};
  handle.actor = sys.spawn(actors::store, std::move(cfg));
  return handle;
}

caf::expected<store_handle> open_store(caf::actor_system& sys,
                                       std::string topic,
                                       transport_actor transport,
                                       value_ops values, options opts) {
  auto timeout = opts.call_timeout;
  auto spawned = spawn_store(sys, std::move(topic), std::move(transport),
                             std::move(values), std::move(opts));
  if (!spawned)
    return spawned;
  auto& handle = *spawned;
  caf::error failure;
  caf::scoped_actor self{sys};
  self->request(handle.actor, timeout, open_atom::value)
    .receive([](ok_atom) {},
             [&](caf::error& err) { failure = std::move(err); });
  if (failure) {
    self->send_exit(handle.actor, caf::exit_reason::user_shutdown);
    if (failure == caf::sec::request_timeout)
      return caf::make_error(ec::timeout, "opening " + handle.topic);
    return failure;
  }
  return spawned;
}

} // namespace podshare
