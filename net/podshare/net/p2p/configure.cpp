#include "podshare/net/p2p/configure.hpp"

#include "podshare/configure.hpp"
#include "podshare/entry.hpp"
#include "podshare/event.hpp"
#include "podshare/interfaces.hpp"
#include "podshare/net/p2p/interfaces.hpp"
#include "podshare/net/p2p/tls.hpp"
#include "podshare/stats.hpp"
#include "podshare/transport_status.hpp"
#include "podshare/version.hpp"
#include "podshare/watch.hpp"
#include "podshare/write_item.hpp"

#include <caf/io/middleman.hpp>
#include <caf/openssl/manager.hpp>

namespace podshare::net {

void add_p2p_types(caf::actor_system_config& cfg) {
  // add_message_type<T> also registers std::vector<T>.
  cfg.add_message_type<bytes>("podshare::bytes");
  cfg.add_message_type<p2p_peer>("podshare::p2p_peer");
  cfg.add_message_type<version>("podshare::version");
  cfg.add_message_type<entry>("podshare::entry");
  cfg.add_message_type<event>("podshare::event");
  cfg.add_message_type<event_batch>("podshare::event_batch");
  cfg.add_message_type<write_item>("podshare::write_item");
  cfg.add_message_type<stats>("podshare::stats");
  cfg.add_message_type<origin_progress>("podshare::origin_progress");
  cfg.add_message_type<applied_writes>("podshare::applied_writes");
  cfg.add_message_type<write_token>("podshare::write_token");
  cfg.add_message_type<peer_status>("podshare::peer_status");
  cfg.add_message_type<transport_status>("podshare::transport_status");
  cfg.add_message_type<watch_filter>("podshare::watch_filter");
  cfg.add_message_type<watch_end>("podshare::watch_end");
  cfg.add_message_type<store_actor>("podshare::store_actor");
  cfg.add_message_type<watcher_actor>("podshare::watcher_actor");
}

caf::error configure_p2p(caf::actor_system_config& cfg, const p2p_tls& tls) {
  podshare::configure(cfg);
  add_p2p_types(cfg);
  cfg.load<caf::io::middleman>();
  if (!tls.enabled())
    return caf::none;
  if (auto err = validate_tls(tls))
    return err;
  cfg.load<caf::openssl::manager>();
  cfg.openssl_cafile = tls.ca_file;
  cfg.openssl_certificate = tls.certificate;
  cfg.openssl_key = tls.key;
  cfg.openssl_passphrase = tls.passphrase;
  return caf::none;
}

p2p_tls tls_of(const caf::actor_system_config& cfg) {
  return {cfg.openssl_cafile, cfg.openssl_certificate, cfg.openssl_key,
          cfg.openssl_passphrase};
}

} // namespace podshare::net
