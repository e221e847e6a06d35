#pragma once

#include "podshare/callreply/endpoint_state.hpp"
#include "podshare/callreply/interfaces.hpp"
#include "podshare/options.hpp"

#include <caf/actor_system.hpp>
#include <caf/expected.hpp>

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>

namespace podshare::callreply {

/// What a function handler knows of the call it runs.
struct call_context {
  std::string target;
  std::string method;
  /// When the caller stops waiting.
  std::chrono::steady_clock::time_point deadline;
  /// Set when the endpoint closes.
  std::shared_ptr<const std::atomic<bool>> closing;

  /// Whether the handler should give up: the caller's deadline passed or the
  /// endpoint is closing.
  bool cancelled() const {
    return closing->load() || std::chrono::steady_clock::now() >= deadline;
  }
};

/// A handler as a function: the result bytes, or an error whose text reaches
/// the caller as a `handler_error`.
using handler_function
  = std::function<caf::expected<bytes>(const call_context&, const bytes&)>;

/// How a function handler runs.
struct handler_options {
  /// Each call gets a thread of its own (a detached actor) instead of a CAF
  /// worker: for a handler that blocks, e.g. on I/O.
  bool blocking = false;
};

/// What `endpoint::open` needs beyond the transport.
struct endpoint_options {
  /// This pod's id; empty picks a random one. Must be unique per process.
  std::string pod;
  std::string routing_topic = default_routing_topic;
  std::string inbox_prefix = default_inbox_prefix;
  /// How long a call waits when it names no timeout.
  caf::timespan call_timeout = default_call_timeout;
  /// Handlers running at once; a call beyond them is answered `busy`.
  size_t max_handlers = default_max_handlers;
  /// Options of the routing store; its node id is the pod. Set `wire` to
  /// JSON to share the routing table with Go pods.
  podshare::options store;
};

/// A pod's callreply endpoint, for plain threads: RPC to whichever pod owns
/// a target (docs/callreply.md). Closes when the last copy goes.
class endpoint {
public:
  /// Opens the routing store and the pod's inbox on `transport`.
  static caf::expected<endpoint> open(caf::actor_system& sys,
                                      transport_actor transport,
                                      endpoint_options opts = {});

  /// Runs `f` for `target`'s `method` and claims the target for this pod.
  caf::error register_handler(const std::string& target,
                              const std::string& method, handler_function f,
                              handler_options opts = {});

  /// Lets the actor `handler` answer `target`'s `method`.
  caf::error register_actor(const std::string& target,
                            const std::string& method,
                            const handler_actor& handler);

  /// Drops `target`'s handlers and its route, if this pod still owns it.
  caf::error unregister(const std::string& target);

  /// The pod that owns `target` in the local replica; none when unclaimed.
  std::optional<std::string> owner(const std::string& target) const;

  /// Calls `method` of `target` and waits for the result; `timeout` zero is
  /// the endpoint's `call_timeout`. Errors: `ec::no_route`, `no_handler`,
  /// `busy`, `timeout`, `unreachable`, `handler_error`, `closed`.
  caf::expected<bytes> call(const std::string& target,
                            const std::string& method, const bytes& args,
                            caf::timespan timeout = caf::timespan{0});

  caf::expected<endpoint_stats> stats() const;

  /// Gives up every claim, cancels running function handlers (they see
  /// `cancelled()`; none is waited for) and fails waiting calls. Idempotent.
  caf::error close();

  const std::string& pod() const;
  const endpoint_actor& actor() const;
  /// The routing store, for reads and watches.
  const store_handle& routing() const;

private:
  struct shared_state;

  explicit endpoint(std::shared_ptr<shared_state> state)
    : state_(std::move(state)) {}

  std::shared_ptr<shared_state> state_;
};

} // namespace podshare::callreply
