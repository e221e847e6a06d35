#include "podshare/net/redis/spawn.hpp"

#include "podshare/error.hpp"
#include "podshare/net/redis/transport.hpp"

#include <caf/actor_cast.hpp>
#include <caf/scoped_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include <chrono>

namespace podshare::net {

caf::expected<transport_actor>
spawn_redis_transport(caf::actor_system& sys, const redis_options& opts) {
  if (auto err = opts.validate())
    return err;
  if (!sys.has_middleman())
    return caf::make_error(ec::invalid_argument,
                           "the redis transport needs caf::io::middleman: "
                           "call cfg.load<caf::io::middleman>()");
  auto actor = sys.spawn(redis::transport, opts);
  caf::scoped_actor self{sys};
  caf::expected<transport_actor> result{caf::make_error(ec::timeout)};
  // The actor enforces the connect timeout; the margin only guards us.
  self
    ->request(actor, opts.connect_timeout + std::chrono::seconds{5},
              open_atom::value)
    .receive([&](ok_atom) { result = caf::actor_cast<transport_actor>(actor); },
             [&](caf::error& err) { result = std::move(err); });
  if (!result)
    self->send_exit(actor, caf::exit_reason::user_shutdown);
  return result;
}

} // namespace podshare::net
