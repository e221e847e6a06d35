#include "podshare/callreply/endpoint_actor.hpp"

#include "podshare/callreply/route.hpp"
#include "podshare/codec.hpp"
#include "podshare/error.hpp"
#include "podshare/record.hpp"
#include "podshare/replica.hpp"

#include <caf/actor_cast.hpp>
#include <caf/actor_clock.hpp>
#include <caf/sec.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include <chrono>

namespace podshare::callreply {

namespace {

using self_pointer = endpoint_actor::stateful_pointer<endpoint_state>;

/// Called with the outcome of a handler run.
using done_function = std::function<void(caf::expected<bytes>)>;

int64_t wall_now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
           std::chrono::system_clock::now().time_since_epoch())
    .count();
}

template <class T>
void deliver(caf::typed_response_promise<T>& promise, caf::expected<T> result) {
  if (result)
    promise.deliver(std::move(*result));
  else
    promise.deliver(std::move(result.error()));
}

// -- routes -------------------------------------------------------------------

// Writes this pod's route for `target`; `then` hears how it went.
void write_route(self_pointer self, const std::string& target,
                 const std::function<void(caf::error)>& then) {
  auto& st = self->state;
  write_item item{target, encode_route(st.cfg.pod, wall_now_ns()), nullptr};
  self
    ->request(st.cfg.routing.actor, caf::infinite, set_atom::value,
              std::move(item))
    .then(
      [self, target, then](const version& v) {
        self->state.claims[target] = v;
        then(caf::none);
      },
      [self, target, then](caf::error& err) {
        // `broadcast_failed`: the route stands here and the snapshot or
        // the next resync carries it to the peers.
        if (err == ec::broadcast_failed)
          self->state.claims[target]
            = read_route(self->state.cfg.routing, target).version;
        then(std::move(err));
      });
}

// Deletes `target`'s route if it is still at `v`.
void erase_route(self_pointer self, const std::string& target, version v) {
  self
    ->request(self->state.cfg.routing.actor, caf::infinite,
              try_erase_atom::value, target, std::move(v))
    .then([](const version&) {},
          [self](const caf::error& err) {
            if (err != ec::version_mismatch)
              self->state.report(err);
          });
}

// Drops the routes that name this pod from an earlier process: this one has
// no handlers yet, so they lead nowhere.
void drop_stale_routes(self_pointer self) {
  auto& st = self->state;
  std::vector<std::pair<std::string, version>> stale;
  st.cfg.routing.map->for_each([&](const record& x) {
    if (!x.tombstone()
        && route_owner(x.value_as<nlohmann::json>()) == st.cfg.pod)
      stale.emplace_back(std::string{x.key()}, x.version());
  });
  for (auto& [target, v] : stale)
    erase_route(self, target, v);
}

// Keeps the claims in step with the routing store: a route of ours that
// another pod deleted is written again; one another pod took is lost.
void routes_changed(self_pointer self, const event_batch& events) {
  auto& st = self->state;
  if (st.closed)
    return;
  for (auto& ev : events.events()) {
    auto i = st.claims.find(ev.key);
    if (i == st.claims.end())
      continue;
    if (ev.kind == event_kind::erase) {
      if (ev.version.origin != st.cfg.pod)
        write_route(self, ev.key, [self](const caf::error& err) {
          if (err)
            self->state.report(err);
        });
    } else if (read_route(st.cfg.routing, ev.key).owner != st.cfg.pod) {
      st.claims.erase(i);
    }
  }
}

// -- running handlers ---------------------------------------------------------

// Runs `target`'s `method` here, giving the handler `remaining`; `done`
// hears the outcome.
void run_handler(self_pointer self, const std::string& target,
                 const std::string& method, bytes args, caf::timespan remaining,
                 const done_function& done) {
  auto& st = self->state;
  if (remaining <= caf::timespan{0})
    return done(caf::make_error(ec::timeout, "the call's deadline passed "
                                             "before its handler ran"));
  if (st.stats.running >= st.cfg.max_handlers)
    return done(caf::make_error(ec::busy, "endpoint busy"));
  auto handler = st.find_handler(target, method);
  if (handler == nullptr)
    return done(caf::make_error(ec::no_handler,
                                "no handler for " + target + "." + method));
  ++st.stats.running;
  call_request req{target, method, std::move(args), remaining};
  self->request(*handler, remaining, call_atom::value, std::move(req))
    .then(
      [self, done](bytes& result) {
        --self->state.stats.running;
        done(std::move(result));
      },
      [self, done](caf::error& err) {
        --self->state.stats.running;
        if (err == caf::sec::request_timeout)
          done(caf::make_error(ec::timeout, "deadline exceeded"));
        else
          done(caf::make_error(ec::handler_error, reason_of(err)));
      });
}

// Publishes `x` on `topic` to every subscriber: how a transport without
// inboxes carries envelopes.
void publish_envelope(self_pointer self, const std::string& topic,
                      const envelope& x) {
  auto text = encode_envelope(x);
  self
    ->request(self->state.cfg.transport, caf::infinite, publish_atom::value,
              topic, bytes(text.begin(), text.end()))
    .then([](ok_atom) {},
          [self, topic](const caf::error& err) {
            self->state.report(caf::make_error(ec::transport_failed,
                                               "callreply message to " + topic
                                                 + ": " + reason_of(err)));
          });
}

// Sends `x` to the inbox `topic`: `reached(receivers)` hears how many
// subscribers got it, `failed(err)` why it could not go. A transport without
// inboxes publishes it instead, and nothing is heard.
template <class Reached, class Failed>
void send_to_inbox(self_pointer self, const std::string& topic,
                   const envelope& x, Reached reached, Failed failed) {
  auto text = encode_envelope(x);
  self
    ->request(caf::actor_cast<transport_inbox_actor>(self->state.cfg.transport),
              caf::infinite, inbox_atom::value, topic,
              bytes(text.begin(), text.end()))
    .then([reached](uint64_t receivers) mutable { reached(receivers); },
          [self, topic, x, failed](caf::error& err) mutable {
            if (err == caf::sec::unexpected_message)
              publish_envelope(self, topic, x);
            else
              failed(std::move(err));
          });
}

// Sends a reply to the caller's inbox.
void send_reply(self_pointer self, const std::string& topic,
                const envelope& x) {
  send_to_inbox(
    self, topic, x,
    [self, topic](uint64_t receivers) {
      if (receivers == 0)
        self->state.report(caf::make_error(
          ec::unreachable, "the caller left: nobody listens on " + topic));
    },
    [self, topic](const caf::error& err) {
      self->state.report(
        caf::make_error(ec::transport_failed,
                        "callreply reply to " + topic + ": " + reason_of(err)));
    });
}

// Serves a call that arrived on the inbox.
void serve(self_pointer self, envelope call) {
  auto& st = self->state;
  ++st.stats.served;
  if (st.closed) {
    send_reply(self, call.reply,
               reply_to(call, caf::make_error(ec::closed, "endpoint closed")));
    return;
  }
  // A caller whose replica is behind sent it here after the target moved:
  // tell it where to.
  if (st.claims.count(call.target) == 0) {
    auto owner = read_route(st.cfg.routing, call.target).owner;
    if (!owner.empty() && owner != st.cfg.pod) {
      auto moved
        = reply_to(call, caf::make_error(ec::no_route, "moved to " + owner));
      moved.code = "moved";
      moved.owner = owner;
      send_reply(self, call.reply, moved);
      return;
    }
  }
  // The remaining time survives clock skew; Go sends only the deadline.
  caf::timespan remaining = st.cfg.call_timeout;
  if (call.remaining_ns > 0)
    remaining = caf::timespan{call.remaining_ns};
  else if (call.deadline_ns > 0)
    remaining = caf::timespan{call.deadline_ns - wall_now_ns()};
  auto key = call.reply + '\n' + call.id;
  auto target = call.target;
  auto method = call.method;
  auto args = std::move(call.args);
  if (!call.reply.empty())
    st.serving.emplace(key, std::move(call));
  run_handler(self, target, method, std::move(args), remaining,
              [self, key](const caf::expected<bytes>& result) {
                // Gone when close answered it already.
                auto& serving = self->state.serving;
                auto i = serving.find(key);
                if (i == serving.end())
                  return;
                send_reply(self, i->second.reply, reply_to(i->second, result));
                serving.erase(i);
              });
}

// -- calls to other pods ------------------------------------------------------

// Ends the waiting call `id` with `result`.
void finish(self_pointer self, const std::string& id,
            caf::expected<bytes> result) {
  auto& st = self->state;
  auto i = st.waiting.find(id);
  if (i == st.waiting.end())
    return;
  st.count(result ? caf::error{} : result.error());
  deliver(i->second.promise, std::move(result));
  st.waiting.erase(i);
}

// Nobody listens on `owner`'s inbox: it is gone. Its route goes too, unless
// it changed meanwhile (a live owner writes it again: `routes_changed`).
void owner_unreachable(self_pointer self, const std::string& id,
                       const std::string& target, const std::string& owner,
                       std::string why) {
  auto route = read_route(self->state.cfg.routing, target);
  if (route.owner == owner)
    erase_route(self, target, route.version);
  finish(self, id, caf::make_error(ec::unreachable, std::move(why)));
}

// Sends the waiting call `id` to `owner`'s inbox.
void send_call(self_pointer self, const std::string& id,
               const std::string& owner) {
  auto& st = self->state;
  auto& w = st.waiting.at(id);
  w.owner = owner;
  auto remaining = w.deadline - self->clock().now();
  envelope x;
  x.type = "call";
  x.id = id;
  x.reply = st.inbox();
  x.target = w.target;
  x.method = w.method;
  x.args = w.args;
  x.remaining_ns = std::max<int64_t>(remaining.count(), 1);
  x.deadline_ns = wall_now_ns() + x.remaining_ns;
  auto topic = st.cfg.inbox_prefix + owner;
  auto target = w.target;
  send_to_inbox(
    self, topic, x,
    [self, id, target, owner, topic](uint64_t receivers) {
      if (receivers == 0)
        owner_unreachable(self, id, target, owner,
                          "nobody listens on " + topic);
    },
    [self, id, topic](const caf::error& err) {
      finish(self, id,
             caf::make_error(ec::unreachable,
                             "sending to " + topic + ": " + reason_of(err)));
    });
}

// A reply arrived on the inbox.
void replied(self_pointer self, envelope reply) {
  auto& st = self->state;
  auto i = st.waiting.find(reply.id);
  if (i == st.waiting.end()) {
    ++st.stats.late_replies;
    return;
  }
  auto& w = i->second;
  if (reply.code == "moved") {
    if (w.moves < max_moves && !reply.owner.empty() && reply.owner != w.owner) {
      ++w.moves;
      if (reply.owner == st.cfg.pod) {
        // Moved here: run it here.
        auto id = reply.id;
        run_handler(self, w.target, w.method, w.args,
                    w.deadline - self->clock().now(),
                    [self, id](caf::expected<bytes> result) {
                      finish(self, id, std::move(result));
                    });
        return;
      }
      send_call(self, reply.id, reply.owner);
      return;
    }
    finish(self, reply.id,
           caf::make_error(ec::no_route, std::move(reply.error)));
    return;
  }
  finish(self, reply.id, outcome_of(reply));
}

// Starts a call; the promise is answered with its outcome.
caf::result<bytes> call(self_pointer self, std::string& target,
                        std::string& method, bytes& args,
                        caf::timespan timeout) {
  auto& st = self->state;
  auto fail = [&](caf::error err) -> caf::result<bytes> {
    st.count(err);
    return err;
  };
  if (st.closed)
    return fail(caf::make_error(ec::closed, "endpoint closed"));
  if (timeout <= caf::timespan{0})
    timeout = st.cfg.call_timeout;
  auto owner = read_route(st.cfg.routing, target).owner;
  if (owner.empty())
    return fail(caf::make_error(ec::no_route, "no route for " + target));
  auto promise = self->make_response_promise<bytes>();
  if (owner == st.cfg.pod) {
    run_handler(self, target, method, std::move(args), timeout,
                [self, promise](caf::expected<bytes> result) mutable {
                  auto& st = self->state;
                  if (st.closed)
                    result = caf::make_error(ec::closed, "endpoint closed");
                  st.count(result ? caf::error{} : result.error());
                  deliver(promise, std::move(result));
                });
    return promise;
  }
  auto id = st.next_call_id();
  waiting_call w;
  w.promise = promise;
  w.target = std::move(target);
  w.method = std::move(method);
  w.args = std::move(args);
  w.deadline = self->clock().now() + timeout;
  st.waiting.emplace(id, std::move(w));
  self->delayed_send(self, timeout, expire_call_atom::value, id);
  send_call(self, id, owner);
  return promise;
}

// A message on the inbox.
void delivered(self_pointer self, const bytes& payload) {
  auto x = decode_envelope(payload.data(), payload.size());
  if (!x) {
    ++self->state.stats.bad_messages;
    self->state.report(x.error());
    return;
  }
  if (x->type == "call")
    serve(self, std::move(*x));
  else
    replied(self, std::move(*x));
}

// -- lifecycle ----------------------------------------------------------------

caf::result<ok_atom> claim(self_pointer self, const std::string& target,
                           const std::string& method,
                           const handler_actor& handler) {
  auto& st = self->state;
  if (st.closed)
    return caf::make_error(ec::closed, "endpoint closed");
  if (target.empty() || method.empty() || !handler)
    return caf::make_error(ec::invalid_argument,
                           "target, method and handler are required");
  st.handlers[target][method] = handler;
  if (st.claims.count(target) > 0)
    return ok_atom::value;
  auto promise = self->make_response_promise<ok_atom>();
  write_route(self, target, [promise](caf::error err) mutable {
    if (err)
      promise.deliver(std::move(err));
    else
      promise.deliver(ok_atom::value);
  });
  return promise;
}

ok_atom release(self_pointer self, const std::string& target) {
  auto& st = self->state;
  st.handlers.erase(target);
  auto i = st.claims.find(target);
  if (i != st.claims.end()) {
    erase_route(self, target, i->second);
    st.claims.erase(i);
  }
  return ok_atom::value;
}

caf::result<ok_atom> open(self_pointer self) {
  auto& st = self->state;
  if (st.subscribed)
    return ok_atom::value;
  auto promise = self->make_response_promise<ok_atom>();
  st.opening.push_back(promise);
  return promise;
}

void subscribed(self_pointer self, const caf::error& err) {
  auto& st = self->state;
  st.subscribed = !err;
  for (auto& promise : st.opening)
    if (err)
      promise.deliver(err);
    else
      promise.deliver(ok_atom::value);
  st.opening.clear();
  if (err)
    self->quit(err);
}

// Fails every waiting call with `closed` and refuses new ones.
void stop_calls(self_pointer self) {
  auto& st = self->state;
  st.closed = true;
  for (auto& [id, w] : st.waiting) {
    st.count(caf::make_error(ec::closed));
    w.promise.deliver(caf::make_error(ec::closed, "endpoint closed"));
  }
  st.waiting.clear();
}

caf::result<ok_atom> close(self_pointer self) {
  auto& st = self->state;
  if (st.closed)
    return ok_atom::value;
  stop_calls(self);
  for (auto& [key, call] : st.serving)
    send_reply(self, call.reply,
               reply_to(call, caf::make_error(ec::closed, "endpoint closed")));
  st.serving.clear();
  for (auto& [target, v] : st.claims)
    erase_route(self, target, v);
  st.claims.clear();
  st.handlers.clear();
  self->send(st.cfg.transport, unsubscribe_atom::value, st.inbox(),
             caf::actor_cast<subscriber_actor>(self));
  // The store handles the route deletions above before it closes.
  auto timeout = st.cfg.routing.options.call_timeout;
  auto promise = self->make_response_promise<ok_atom>();
  self->request(st.cfg.routing.actor, timeout, close_atom::value, timeout)
    .then(
      [self, promise](ok_atom) mutable {
        promise.deliver(ok_atom::value);
        self->quit();
      },
      [self, promise](caf::error& err) mutable {
        promise.deliver(std::move(err));
        self->quit();
      });
  return promise;
}

endpoint_actor::behavior_type endpoint(self_pointer self, endpoint_config cfg) {
  auto& st = self->state;
  st.cfg = std::move(cfg);
  st.id_prefix = random_node_id();
  self
    ->request(st.cfg.transport, caf::infinite, subscribe_atom::value,
              st.inbox(), caf::actor_cast<subscriber_actor>(self))
    .then([self](ok_atom) { subscribed(self, caf::none); },
          [self](const caf::error& err) { subscribed(self, err); });
  self
    ->request(st.cfg.routing.actor, caf::infinite, watch_atom::value,
              watch_filter::all(), caf::actor_cast<watcher_actor>(self))
    .then([](watch_id) {}, [self](caf::error& err) { self->quit(err); });
  drop_stale_routes(self);
  return {
    [self](open_atom) { return open(self); },
    [self](claim_atom, const std::string& target, const std::string& method,
           const handler_actor& handler) {
      return claim(self, target, method, handler);
    },
    [self](release_atom, const std::string& target) {
      return release(self, target);
    },
    [self](owner_atom, const std::string& target) {
      return read_route(self->state.cfg.routing, target).owner;
    },
    [self](call_atom, std::string& target, std::string& method, bytes& args,
           caf::timespan timeout) {
      return call(self, target, method, args, timeout);
    },
    [self](stats_atom) { return self->state.stats; },
    [self](close_atom) { return close(self); },
    [self](deliver_atom, const std::string&, const bytes& payload,
           const ingest_ticket&) { delivered(self, payload); },
    [](resync_atom, const std::string&) {
      // An inbox has no state to refresh: a lost call times out.
    },
    [self](event_atom, watch_id, const event_batch& events) {
      routes_changed(self, events);
    },
    [self](watch_end_atom, watch_id, watch_end) {
      // Our own close ends the watch too, and quits once the store answers.
      if (self->state.closed)
        return;
      // The routing store closed under us: nothing can be claimed any more.
      stop_calls(self);
      self->quit();
    },
    [self](expire_call_atom, const std::string& id) {
      finish(self, id, caf::make_error(ec::timeout, "no reply in time"));
    },
  };
}

} // namespace

caf::expected<store_handle> open_routing(caf::actor_system& sys,
                                         std::string topic,
                                         transport_actor transport,
                                         podshare::options opts) {
  return open_store(
    sys, std::move(topic), std::move(transport),
    make_value_ops<nlohmann::json, json_codec<nlohmann::json>>(),
    std::move(opts));
}

endpoint_actor spawn_endpoint(caf::actor_system& sys, endpoint_config cfg) {
  return sys.spawn(endpoint, std::move(cfg));
}

} // namespace podshare::callreply
