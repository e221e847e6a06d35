#pragma once

#include "podshare/callreply/envelope.hpp"
#include "podshare/callreply/interfaces.hpp"
#include "podshare/options.hpp"
#include "podshare/store_handle.hpp"

#include <caf/typed_response_promise.hpp>

#include <chrono>
#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

namespace podshare::callreply {

/// The defaults of the Go package.
constexpr const char* default_routing_topic = "callreply:routing";
constexpr const char* default_inbox_prefix = "callreply:inbox:";
constexpr auto default_call_timeout = std::chrono::seconds{5};
constexpr size_t default_max_handlers = 1024;

/// How often a call may follow a `moved` answer to the target's new owner.
constexpr int max_moves = 3;

/// What `spawn_endpoint` needs.
struct endpoint_config {
  /// This pod's id: its routes name it and its inbox is `inbox_prefix + pod`.
  std::string pod;
  std::string inbox_prefix = default_inbox_prefix;
  caf::timespan call_timeout = default_call_timeout;
  size_t max_handlers = default_max_handlers;
  transport_actor transport;
  /// The open routing store (JSON values, `open_routing`).
  store_handle routing;
  /// Hears of non-fatal errors: bad envelopes, failed replies and claims.
  podshare::error_handler error_handler;
};

/// A call this pod sent to another and waits on.
struct waiting_call {
  caf::typed_response_promise<bytes> promise;
  std::string target;
  std::string method;
  bytes args;
  /// The steady-clock time it ends with `timeout`.
  caf::actor_clock::time_point deadline;
  /// The pod it was last sent to.
  std::string owner;
  int moves = 0;
};

/// The state of an endpoint actor.
struct endpoint_state {
  static inline const char* name = "podshare.callreply.endpoint";

  endpoint_config cfg;
  /// target → method → handler.
  std::unordered_map<std::string,
                     std::unordered_map<std::string, handler_actor>>
    handlers;
  /// The targets this pod holds in the routing store, with the version of
  /// its route: what `release` may delete.
  std::unordered_map<std::string, version> claims;
  /// Calls sent to other pods, by id.
  std::unordered_map<std::string, waiting_call> waiting;
  /// Calls from other pods whose handlers run, by caller inbox and id: close
  /// answers them.
  std::unordered_map<std::string, envelope> serving;
  endpoint_stats stats;
  bool subscribed = false;
  std::vector<caf::typed_response_promise<ok_atom>> opening;
  bool closed = false;

  /// Random per endpoint: call ids are this and a counter, unique across
  /// pods without a random draw per call.
  std::string id_prefix;
  uint64_t calls_sent = 0;

  std::string inbox() const { return cfg.inbox_prefix + cfg.pod; }

  /// A new call id.
  std::string next_call_id() {
    return id_prefix + "-" + std::to_string(++calls_sent);
  }

  /// The handler of `target`'s `method`, or null.
  const handler_actor* find_handler(const std::string& target,
                                    const std::string& method) const;

  /// Counts the outcome of a finished call.
  void count(const caf::error& outcome);

  /// Reports a non-fatal error.
  void report(const caf::error& err) const;
};

/// The outcome a reply envelope carries: the result, or the error of its
/// code (Go replies carry only text: "endpoint busy", "no handler for …").
caf::expected<bytes> outcome_of(envelope& reply);

/// The reply envelope that answers `call` with `result`.
envelope reply_to(const envelope& call, const caf::expected<bytes>& result);

} // namespace podshare::callreply
