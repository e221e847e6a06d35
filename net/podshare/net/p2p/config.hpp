#pragma once

#include <caf/error.hpp>
#include <caf/timespan.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace spdlog {
class logger;
} // namespace spdlog

namespace podshare::net {

/// What happened to a peer, as the transport reports it.
struct p2p_notice {
  enum class kind : uint8_t {
    /// A session with `peer` is live.
    connected,
    /// The session with `peer` ended; `reason` says why.
    disconnected,
    /// Dialling `endpoint` failed (refused, TLS handshake, timeout, self).
    dial_failed,
    /// A connection from `endpoint` was refused (TLS handshake, plaintext or
    /// TLS peer on the other kind of pod, protocol version, name).
    refused,
    /// `peer` could not keep up: its queue overflowed and it was dropped.
    dropped,
    /// Any other problem: a bad request from a peer, a failed lookup.
    error,
  };

  p2p_notice::kind what = kind::error;
  /// The peer's stable node name, when known.
  std::string peer;
  /// The endpoint involved, when known.
  std::string endpoint;
  /// Why, for everything but `connected`.
  caf::error reason;
  /// With TLS, the peer certificate's subject CN and alternative names
  /// (`connected` only).
  std::string identity = {};
};

/// Returns the name of `x`, e.g. `"connected"`.
const char* to_string(p2p_notice::kind x);

/// Receives notices; called on the transport's actor: keep it short.
using p2p_observer = std::function<void(const p2p_notice&)>;

/// TLS material. All empty: plaintext, which is unauthenticated and
/// unencrypted. Otherwise `ca_file`, `certificate` and `key` are required and
/// both sides of every connection verify each other (mutual TLS 1.3).
struct p2p_tls {
  std::string ca_file;
  std::string certificate;
  std::string key;
  std::string passphrase;

  bool enabled() const {
    return !ca_file.empty() || !certificate.empty() || !key.empty()
           || !passphrase.empty();
  }
};

/// How a p2p transport runs. Defaults are those of spec §11.
struct p2p_config {
  /// This pod's stable node name, told to peers in the hello; empty picks
  /// 12 random bytes as 24 hex characters.
  std::string name;
  /// The address to listen on; always an explicit one.
  std::string host = "127.0.0.1";
  /// The port to listen on; 0 picks one (the bound port is reported).
  uint16_t port = 0;
  /// The `host:port` peers reach us at; empty means `host:bound port`.
  std::string advertise;
  /// The initial peer list, `host:port` each.
  std::vector<std::string> peers;
  /// How long `fetch_snap` waits for peers' answers.
  caf::timespan fetch_timeout = std::chrono::seconds{2};
  /// How long one dial (TCP, TLS and hello) may take.
  caf::timespan connect_timeout = std::chrono::seconds{5};
  /// The first reconnect delay; it doubles per failure up to `backoff_max`,
  /// and each delay is drawn from [delay/2, delay] (jitter).
  caf::timespan backoff_min = std::chrono::milliseconds{100};
  caf::timespan backoff_max = std::chrono::seconds{5};
  /// When both pods list each other, the one with the greater endpoint waits
  /// this long before dialling, so that usually only one side dials.
  caf::timespan dial_grace = std::chrono::milliseconds{300};
  /// After a session comes up, stores refresh at once and again after this
  /// delay, which picks up writes the peer made just before the session
  /// came up and had not yet put into its snapshot. Zero: no second refresh.
  caf::timespan resync_again = std::chrono::seconds{1};
  /// How long a peer may take to acknowledge data before it is dropped.
  caf::timespan send_timeout = std::chrono::seconds{10};
  /// Messages held for one peer, sent but unacknowledged included, before it
  /// counts as too slow and is dropped (then reconnected).
  size_t max_queue = 100000;
  /// Messages per batch frame at most.
  size_t max_batch = 4096;
  /// The largest frame we accept (told to peers, who never send larger); a
  /// published message must fit in one.
  size_t max_frame = size_t{16} * 1024 * 1024;
  /// What a peer may send us before our acknowledgement: messages and
  /// payload bytes (flow control).
  size_t window_messages = 4096;
  size_t window_bytes = size_t{8} * 1024 * 1024;
  /// At most this many bytes received from peers and not yet handled by
  /// the stores (each message counted per store, plus
  /// `ingest_budget::message_overhead`): beyond it the transport stops
  /// reading from every peer until the stores have handled half of it, so
  /// the peers' windows fill and they hold their messages (and drop us as
  /// slow past `max_queue` or `send_timeout`; we then resync).
  size_t ingest_budget = size_t{32} * 1024 * 1024;
  /// A connection with nothing to send for this long sends a ping.
  caf::timespan heartbeat_interval = std::chrono::seconds{1};
  /// A peer heard nothing from for this long (or three of the intervals it
  /// announced, if longer) is dropped: a silent dead peer is noticed within
  /// this plus one interval.
  caf::timespan heartbeat_timeout = std::chrono::seconds{3};
  /// The largest snapshot we take from one peer.
  size_t max_snapshot = size_t{1024} * 1024 * 1024;
  /// TLS material for this transport; when all empty, the material given to
  /// `configure_p2p` for the actor system, if any.
  p2p_tls tls;
  /// A port for remote CAF clients that want typed store handles (CAF's
  /// BASP, caf::openssl with the TLS material of `configure_p2p`); none by
  /// default, 0 picks one. Peers never use it.
  std::optional<uint16_t> client_port;
  /// Hears of connects, disconnects, failed dials, drops and errors.
  p2p_observer observer;
  /// Where the transport logs; spdlog's default logger when null.
  std::shared_ptr<spdlog::logger> logger;
};

} // namespace podshare::net
