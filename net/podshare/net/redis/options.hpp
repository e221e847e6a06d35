#pragma once

#include "podshare/options.hpp"

#include <caf/expected.hpp>
#include <caf/timespan.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace podshare::net {

/// How a Redis transport connects (spec §10–§11). `from_url` fills the
/// address, password and database from a `redis://` URL.
struct redis_options {
  /// The server's host name or address.
  std::string host = "127.0.0.1";
  uint16_t port = 6379;
  /// Sent with AUTH when not empty.
  std::string password;
  /// Selected with SELECT. Snapshots live in this database; Redis pub/sub
  /// ignores databases, so channels are shared by all of them.
  int database = 0;
  /// Channels are `<prefix>:<topic>:events`, snapshot keys
  /// `<prefix>:<topic>:snapshot`, as in the Go podshare.
  std::string prefix = "podshare";
  /// How long connecting, including AUTH and SELECT, may take.
  caf::timespan connect_timeout = std::chrono::seconds{2};
  /// Reconnect backoff: the first delay, doubled per failed attempt up to
  /// the cap, each multiplied by a random factor in [0.5, 1.0].
  caf::timespan reconnect_min = std::chrono::milliseconds{100};
  caf::timespan reconnect_max = std::chrono::seconds{5};
  /// After a reconnect the stores refresh at once and again after this
  /// delay, which must exceed the peers' snapshot interval: by then the
  /// snapshot holds what peers published while we were resubscribing.
  caf::timespan resync_settle = std::chrono::seconds{1};
  /// Every this often the stores refresh anyway (anti-entropy), so that
  /// pods converge even when a timing assumption above failed on a loaded
  /// machine; zero disables it. Each costs every store one GET.
  caf::timespan resync_interval = std::chrono::seconds{30};
  /// A message on a channel larger than this is reported and dropped.
  size_t max_message_bytes = size_t{64} * 1024 * 1024;
  /// At most this many bytes received on the subscription and not yet
  /// handled by the stores (each message counted per store, plus
  /// `ingest_budget::message_overhead`): beyond it the transport stops
  /// reading until the stores have handled half of it. If Redis then
  /// drops the subscription at its `client-output-buffer-limit pubsub`,
  /// the transport counts an overrun, reports `ingest_overrun`, reconnects
  /// and the stores resync (docs/operations.md, "Ingest budget").
  size_t ingest_budget = size_t{32} * 1024 * 1024;
  /// TLS is not available: Debian's hiredis 0.14 has no TLS support, so
  /// asking for it (or a `rediss://` URL) is an error at spawn time.
  bool tls = false;
  /// Hears of dropped messages, lost connections and failed reconnects.
  podshare::error_handler error_handler;
  /// Where the transport logs; none by default.
  std::shared_ptr<spdlog::logger> logger;

  /// Parses `redis://[[user]:password@]host[:port][/db]`; a `rediss://`
  /// URL fails (no TLS), as do a bad port, a bad database or other schemes.
  static caf::expected<redis_options> from_url(std::string_view url);

  /// The pub/sub channel of `topic`.
  std::string channel(std::string_view topic) const;

  /// The key of `topic`'s snapshot.
  std::string snapshot_key(std::string_view topic) const;

  /// Fails with `invalid_argument` when the options cannot work.
  caf::error validate() const;
};

} // namespace podshare::net
