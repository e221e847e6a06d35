#pragma once

#include "podshare/bytes.hpp"
#include "podshare/interfaces.hpp"

#include <caf/atom.hpp>
#include <caf/meta/type_name.hpp>
#include <caf/replies_to.hpp>
#include <caf/timespan.hpp>
#include <caf/typed_actor.hpp>

#include <cstdint>
#include <string>

/// The actor interfaces of callreply (podshare_callreply): RPC to whichever
/// pod owns a target (docs/callreply.md).
namespace podshare::callreply {

// -- atoms (at most 10 characters) --------------------------------------------

using call_atom = caf::atom_constant<caf::atom("call")>;
using claim_atom = caf::atom_constant<caf::atom("claim")>;
using owner_atom = caf::atom_constant<caf::atom("owner")>;
using release_atom = caf::atom_constant<caf::atom("release")>;
using expire_call_atom = caf::atom_constant<caf::atom("cr_expire")>;

// -- messages -----------------------------------------------------------------

/// A call as a handler actor receives it.
struct call_request {
  std::string target;
  std::string method;
  bytes args;
  /// The time the caller has left; the endpoint also gives up on the handler
  /// when it passes.
  caf::timespan remaining{0};
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, call_request& x) {
  return f(caf::meta::type_name("call_request"), x.target, x.method, x.args,
           x.remaining);
}

/// What an endpoint counts. Caller side: each call ends in exactly one of
/// the eight outcomes. Callee side: calls served (answered by a handler or
/// turned away), and what could not be used.
struct endpoint_stats {
  uint64_t ok = 0;
  uint64_t no_route = 0;
  uint64_t no_handler = 0;
  uint64_t busy = 0;
  uint64_t timeout = 0;
  uint64_t unreachable = 0;
  uint64_t handler_error = 0;
  uint64_t closed = 0;
  /// Calls that reached this endpoint's inbox or were made to itself.
  uint64_t served = 0;
  /// Handlers running now.
  uint64_t running = 0;
  /// Inbox messages that were not a valid envelope.
  uint64_t bad_messages = 0;
  /// Replies to calls that had already ended (timed out, closed).
  uint64_t late_replies = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, endpoint_stats& x) {
  return f(caf::meta::type_name("endpoint_stats"), x.ok, x.no_route,
           x.no_handler, x.busy, x.timeout, x.unreachable, x.handler_error,
           x.closed, x.served, x.running, x.bad_messages, x.late_replies);
}

// -- handler ------------------------------------------------------------------

/// A handler as an actor: answers a call with the result bytes, or with an
/// error whose text reaches the caller as a `handler_error`. The endpoint
/// stops waiting when the call's time is up.
///
/// ~~~
/// call(request) -> result
/// ~~~
using handler_actor = caf::typed_actor<
  // Runs one call.
  caf::replies_to<call_atom, call_request>::with<bytes>>;

// -- endpoint -----------------------------------------------------------------

/// A pod's callreply endpoint: its handlers, its claims in the routing
/// store, the calls it waits on. Function handlers are registered through
/// the `endpoint` facade, which wraps them in `handler_actor`s.
///
/// ~~~
/// open() -> ok                               // once it listens on its inbox
/// claim(target, method, handler) -> ok       // register
/// release(target) -> ok                      // unregister, if still ours
/// owner(target) -> pod                       // "" when unclaimed
/// call(target, method, args, timeout) -> result   // errors: ec::no_route,
///     // no_handler, busy, timeout, unreachable, handler_error, closed
/// stats() -> endpoint_stats
/// close() -> ok                  // release every claim, cancel, end calls
/// deliver(topic, payload), resync(topic)     // its inbox, from the transport
/// event(id, events), watch_end(id, why)      // the routing store
/// expire_call(id)                            // its own timer
/// ~~~
using endpoint_actor = caf::typed_actor<
  // Answers once the endpoint listens on its inbox.
  caf::replies_to<open_atom>::with<ok_atom>,
  // Registers `handler` for `target`'s `method` and claims the target.
  caf::replies_to<claim_atom, std::string, std::string,
                  handler_actor>::with<ok_atom>,
  // Drops `target`'s handlers and deletes its route if this pod still owns it.
  caf::replies_to<release_atom, std::string>::with<ok_atom>,
  // The pod that owns `target` in the local replica; "" when none does.
  caf::replies_to<owner_atom, std::string>::with<std::string>,
  // Calls `method` of `target` with `args`, waiting at most the timeout
  // (zero: the endpoint's default).
  caf::replies_to<call_atom, std::string, std::string, bytes,
                  caf::timespan>::with<bytes>,
  // Reads the counters.
  caf::replies_to<stats_atom>::with<endpoint_stats>,
  // Closes: gives up every claim, cancels running handlers, fails waiting
  // calls with `closed`.
  caf::replies_to<close_atom>::with<ok_atom>,
  // Calls and replies arriving on this pod's inbox.
  caf::reacts_to<deliver_atom, std::string, bytes, ingest_ticket>,
  // The inbox may have lost messages: nothing to refresh.
  caf::reacts_to<resync_atom, std::string>,
  // Changes of the routing store.
  caf::reacts_to<event_atom, watch_id, event_batch>,
  // The routing store closed.
  caf::reacts_to<watch_end_atom, watch_id, watch_end>,
  // A call's time ran out.
  caf::reacts_to<expire_call_atom, std::string>>;

} // namespace podshare::callreply
