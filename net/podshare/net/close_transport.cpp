#include "podshare/net/close_transport.hpp"

#include "podshare/error.hpp"

#include <caf/scoped_actor.hpp>

namespace podshare::net {

caf::error close_transport(caf::actor_system& sys,
                           const transport_actor& transport,
                           caf::timespan timeout) {
  if (!transport)
    return caf::none;
  caf::scoped_actor self{sys};
  self->monitor(transport);
  self->send(transport, close_atom::value);
  caf::error result;
  self->receive([](const caf::down_msg&) {},
                caf::after(timeout) >>
                  [&] {
                    result = caf::make_error(ec::timeout,
                                             "the transport did not exit");
                  });
  return result;
}

} // namespace podshare::net
