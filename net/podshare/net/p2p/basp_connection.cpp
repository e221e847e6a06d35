#include "podshare/net/p2p/basp_connection.hpp"

#include <caf/actor_system.hpp>
#include <caf/io/basp_broker.hpp>
#include <caf/io/middleman.hpp>
#include <caf/node_id.hpp>

namespace podshare::net::p2p_ops {

// CAF 0.17's BASP broker runs on the middleman's event loop, and CAF itself
// edits the broker there from posted closures (a proxy's cleanup does). We
// do the same and make the two calls the broker makes when a peer breaks
// the protocol: forget the connection's state, then close its scribe (which
// sends what is still queued first, so a `bye` sent just before arrives).
void close_basp_connection(caf::actor_system& sys, const caf::node_id& peer) {
  auto& mm = sys.middleman();
  mm.run_later([&mm, peer] {
    auto handle = mm.named_broker<caf::io::basp_broker>(caf::atom("BASP"));
    auto ptr = caf::actor_cast<caf::abstract_actor*>(handle);
    auto broker = static_cast<caf::io::basp_broker*>(ptr);
    if (broker == nullptr
        || broker->getf(caf::abstract_actor::is_terminated_flag))
      return;
    auto hdl = broker->instance.tbl().lookup_direct(peer);
    if (!hdl)
      return;
    broker->connection_cleanup(*hdl, caf::sec::socket_disconnected);
    broker->close(*hdl);
  });
}

} // namespace podshare::net::p2p_ops
