#include "podshare/callreply/endpoint.hpp"

#include "podshare/callreply/endpoint_actor.hpp"
#include "podshare/callreply/route.hpp"
#include "podshare/detail/blocking_call.hpp"
#include "podshare/error.hpp"

#include <caf/typed_event_based_actor.hpp>

#include <mutex>

namespace podshare::callreply {

namespace {

using closing_flag = std::shared_ptr<std::atomic<bool>>;

// Runs one call of `f` and quits: each call its own actor, so that calls of
// one handler run side by side, up to the endpoint's cap.
handler_actor::behavior_type
run_once(handler_actor::pointer self,
         const std::shared_ptr<const handler_function>& f,
         const closing_flag& closing) {
  return {
    [=](call_atom, call_request& req) -> caf::result<bytes> {
      call_context ctx{std::move(req.target), std::move(req.method),
                       std::chrono::steady_clock::now() + req.remaining,
                       closing};
      caf::expected<bytes> result{bytes{}};
      try {
        result = (*f)(ctx, req.args);
      } catch (const std::exception& ex) {
        result = caf::make_error(ec::handler_error, ex.what());
      } catch (...) {
        result = caf::make_error(ec::handler_error, "unknown exception");
      }
      self->quit();
      if (!result)
        return std::move(result.error());
      return std::move(*result);
    },
  };
}

// The actor that stands for a function handler: hands each call to an actor
// of its own.
handler_actor::behavior_type
function_handler(handler_actor::pointer self,
                 const std::shared_ptr<const handler_function>& f,
                 handler_options opts, const closing_flag& closing) {
  return {
    [=](call_atom, call_request& req) {
      auto runner = opts.blocking
                      ? self->spawn<caf::detached>(run_once, f, closing)
                      : self->spawn(run_once, f, closing);
      return self->delegate(runner, call_atom::value, std::move(req));
    },
  };
}

} // namespace

struct endpoint::shared_state {
  caf::actor_system* sys = nullptr;
  endpoint_actor actor;
  store_handle routing;
  std::string pod;
  /// How long the endpoint may take to answer anything but a call.
  caf::timespan timeout;
  caf::timespan call_timeout;
  closing_flag closing = std::make_shared<std::atomic<bool>>(false);
  std::mutex mtx;
  bool closed = false;

  caf::error close() {
    {
      std::lock_guard<std::mutex> guard{mtx};
      if (closed)
        return caf::none;
      closed = true;
    }
    closing->store(true);
    auto res
      = detail::blocking_call<ok_atom>(*sys, actor, timeout, close_atom::value);
    return res ? caf::error{} : std::move(res.error());
  }

  ~shared_state() { close(); }
};

caf::expected<endpoint> endpoint::open(caf::actor_system& sys,
                                       transport_actor transport,
                                       endpoint_options opts) {
  if (!transport)
    return caf::make_error(ec::invalid_argument, "no transport");
  if (opts.max_handlers == 0)
    return caf::make_error(ec::invalid_argument,
                           "max_handlers must be at least 1");
  if (opts.call_timeout <= caf::timespan{0})
    return caf::make_error(ec::invalid_argument,
                           "the call timeout must be positive");
  if (opts.pod.empty())
    opts.pod
      = opts.store.node_id.empty() ? random_node_id() : opts.store.node_id;
  opts.store.node_id = opts.pod;
  auto timeout = opts.store.call_timeout;
  endpoint_config cfg;
  cfg.pod = opts.pod;
  cfg.inbox_prefix = std::move(opts.inbox_prefix);
  cfg.call_timeout = opts.call_timeout;
  cfg.max_handlers = opts.max_handlers;
  cfg.transport = transport;
  cfg.error_handler = opts.store.error_handler;
  auto routing = open_routing(sys, std::move(opts.routing_topic),
                              std::move(transport), std::move(opts.store));
  if (!routing)
    return std::move(routing.error());
  cfg.routing = *routing;
  auto state = std::make_shared<shared_state>();
  state->sys = &sys;
  state->routing = *routing;
  state->pod = cfg.pod;
  state->timeout = timeout;
  state->call_timeout = cfg.call_timeout;
  state->actor = spawn_endpoint(sys, std::move(cfg));
  auto opened = detail::blocking_call<ok_atom>(sys, state->actor, timeout,
                                               open_atom::value);
  if (!opened) {
    caf::anon_send(state->routing.actor, close_atom::value, timeout);
    state->closed = true;
    return std::move(opened.error());
  }
  return endpoint{std::move(state)};
}

caf::error endpoint::register_handler(const std::string& target,
                                      const std::string& method,
                                      handler_function f,
                                      handler_options opts) {
  if (!f)
    return caf::make_error(ec::invalid_argument, "no handler function");
  auto handler = state_->sys->spawn(
    function_handler, std::make_shared<const handler_function>(std::move(f)),
    opts, state_->closing);
  return register_actor(target, method, handler);
}

caf::error endpoint::register_actor(const std::string& target,
                                    const std::string& method,
                                    const handler_actor& handler) {
  auto res = detail::blocking_call<ok_atom>(*state_->sys, state_->actor,
                                            state_->timeout, claim_atom::value,
                                            target, method, handler);
  return res ? caf::error{} : std::move(res.error());
}

caf::error endpoint::unregister(const std::string& target) {
  auto res = detail::blocking_call<ok_atom>(
    *state_->sys, state_->actor, state_->timeout, release_atom::value, target);
  return res ? caf::error{} : std::move(res.error());
}

std::optional<std::string> endpoint::owner(const std::string& target) const {
  auto route = read_route(state_->routing, target);
  if (route.owner.empty())
    return std::nullopt;
  return route.owner;
}

caf::expected<bytes> endpoint::call(const std::string& target,
                                    const std::string& method,
                                    const bytes& args, caf::timespan timeout) {
  // The endpoint answers within the timeout; the margin covers a busy
  // scheduler.
  auto wait = (timeout > caf::timespan{0} ? timeout : state_->call_timeout)
              + std::chrono::seconds{1};
  auto res = detail::blocking_call<bytes>(*state_->sys, state_->actor, wait,
                                          call_atom::value, target, method,
                                          args, timeout);
  if (!res && res.error() == caf::sec::request_timeout)
    return caf::make_error(ec::timeout, "the endpoint did not answer");
  if (!res && res.error() == caf::sec::request_receiver_down)
    return caf::make_error(ec::closed, "endpoint closed");
  return res;
}

caf::expected<endpoint_stats> endpoint::stats() const {
  return detail::blocking_call<endpoint_stats>(
    *state_->sys, state_->actor, state_->timeout, stats_atom::value);
}

caf::error endpoint::close() {
  return state_->close();
}

const std::string& endpoint::pod() const {
  return state_->pod;
}

const endpoint_actor& endpoint::actor() const {
  return state_->actor;
}

const store_handle& endpoint::routing() const {
  return state_->routing;
}

} // namespace podshare::callreply
