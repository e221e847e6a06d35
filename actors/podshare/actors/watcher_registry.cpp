#include "podshare/actors/watcher_registry.hpp"

#include "podshare/detail/log_event.hpp"
#include "podshare/error.hpp"

#include <caf/typed_event_based_actor.hpp>

#include <algorithm>
#include <iterator>
#include <optional>

namespace podshare::actors {

// -- state --------------------------------------------------------------------

namespace {

// The events being dispatched: owned until an actor watcher shares them as
// one batch, and moved into the last watcher that takes them if nobody
// shares them, so a lone blocking watcher costs no copy of an event.
class dispatched_events {
public:
  explicit dispatched_events(std::vector<event> events)
    : owned_(std::move(events)) {}

  const std::vector<event>& view() const {
    return shared_ ? shared_->events() : owned_;
  }

  // The events as one batch for actor watchers to share.
  const event_batch& share() {
    if (!shared_)
      shared_ = event_batch{std::move(owned_)};
    return *shared_;
  }

  // The events `filter` passes: moved out when `last_use` says nobody needs
  // them afterwards and nobody shares them (all of them at once when all
  // pass), copied otherwise.
  std::vector<event> matching(const watch_filter& filter, bool last_use) {
    std::vector<event> result;
    if (!last_use || shared_) {
      for (auto& x : view())
        if (filter.matches(x))
          result.push_back(x);
      return result;
    }
    if (filter.what == watch_filter::kind::all)
      return std::move(owned_);
    for (auto& x : owned_)
      if (filter.matches(x))
        result.push_back(std::move(x));
    return result;
  }

private:
  std::vector<event> owned_;
  std::optional<event_batch> shared_;
};

} // namespace

std::vector<watcher_registry_state::delivery>
watcher_registry_state::dispatch(std::vector<event> events,
                                 std::vector<watcher>& dropped) {
  if (!watchers.empty())
    detail::counters::add(cfg.counters->events_watched, events.size());
  dispatched_events batch{std::move(events)};
  std::vector<delivery> result;
  uint64_t dispatched = 0;
  // Hands `w` its events; returns whether its buffer overflowed.
  auto overflows = [&](watcher& w, bool last) {
    if (w.queue) {
      auto mine = batch.matching(w.filter, last);
      auto wanted = mine.size();
      if (wanted == 0)
        return false;
      auto pushed = w.queue->try_push(std::move(mine));
      dispatched += pushed;
      return pushed < wanted;
    }
    auto& all = batch.view();
    auto matching = static_cast<size_t>(
      std::count_if(all.begin(), all.end(),
                    [&](const event& x) { return w.filter.matches(x); }));
    if (matching == 0)
      return false;
    if (w.in_flight + matching > cfg.buffer)
      return true;
    w.in_flight += matching;
    dispatched += matching;
    result.push_back({w.id, w.actor,
                      matching == all.size()
                        ? batch.share()
                        : event_batch{batch.matching(w.filter, false)}});
    return false;
  };
  // In order, so that the last watcher is the last to see the events; those
  // that overflow move to `dropped`, the others keep their order.
  auto kept = watchers.begin();
  for (auto i = watchers.begin(); i != watchers.end(); ++i) {
    if (overflows(*i, i + 1 == watchers.end())) {
      dropped.push_back(std::move(*i));
    } else {
      if (kept != i)
        *kept = std::move(*i);
      ++kept;
    }
  }
  cfg.ended->fetch_add(
    static_cast<uint64_t>(std::distance(kept, watchers.end())));
  watchers.erase(kept, watchers.end());
  detail::counters::add(cfg.counters->events_dispatched, dispatched);
  return result;
}

void watcher_registry_state::add(watcher x) {
  watchers.push_back(std::move(x));
  detail::counters::set(cfg.counters->watchers_active, watchers.size());
}

std::optional<watcher_registry_state::watcher>
watcher_registry_state::remove(watch_id id) {
  auto i = std::find_if(watchers.begin(), watchers.end(),
                        [id](const watcher& w) { return w.id == id; });
  if (i == watchers.end())
    return std::nullopt;
  auto result = std::move(*i);
  watchers.erase(i);
  cfg.ended->fetch_add(1);
  detail::counters::set(cfg.counters->watchers_active, watchers.size());
  return result;
}

void watcher_registry_state::acknowledge(watch_id id, size_t n) {
  for (auto& w : watchers)
    if (w.id == id) {
      w.in_flight -= std::min(n, w.in_flight);
      return;
    }
}

std::vector<watcher_registry_state::watcher>
watcher_registry_state::take_all() {
  auto result = std::move(watchers);
  watchers.clear();
  cfg.ended->fetch_add(result.size());
  detail::counters::set(cfg.counters->watchers_active, 0);
  return result;
}

// -- behavior -----------------------------------------------------------------

namespace {

using self_pointer
  = watcher_registry_actor::stateful_pointer<watcher_registry_state>;

// Logs a watch's start or end with the store's topic and node id.
void log_watch(self_pointer self, const char* event, watch_id id,
               const char* detail) {
  auto& cfg = self->state.cfg;
  detail::log_event(cfg.logger, detail::log_level::info, event,
                    {{"topic", cfg.topic},
                     {"node", cfg.node},
                     {"watch", std::to_string(id)},
                     {"how", detail}});
}

void end_watch(self_pointer self, watcher_registry_state::watcher& w,
               watch_end why) {
  log_watch(self, "watch_ended", w.id, to_string(why));
  if (w.queue)
    w.queue->end(why);
  else
    self->send(w.actor, watch_end_atom::value, w.id, why);
}

void drop(self_pointer self, watcher_registry_state::watcher& w) {
  end_watch(self, w, watch_end::dropped);
  detail::counters::add(self->state.cfg.counters->watchers_dropped);
  if (self->state.cfg.error_handler)
    self->state.cfg.error_handler(caf::make_error(
      ec::watcher_dropped, "watch " + std::to_string(w.id) + " fell behind"));
}

void deliver(self_pointer self, watcher_registry_state::delivery& d) {
  auto id = d.id;
  auto n = d.events.size();
  self
    ->request(d.actor, caf::infinite, event_atom::value, id,
              std::move(d.events))
    .then([self, id, n]() { self->state.acknowledge(id, n); },
          // The watcher is gone: forget it without a report.
          [self, id](caf::error&) { self->state.remove(id); });
}

template <class Sink>
void add(self_pointer self, watch_id id, watch_filter& filter, Sink& sink) {
  watcher_registry_state::watcher w;
  w.id = id;
  w.filter = std::move(filter);
  if constexpr (std::is_same<Sink, watcher_actor>::value) {
    self->monitor(sink);
    w.actor = std::move(sink);
    log_watch(self, "watch_added", id, "actor");
  } else {
    w.queue = std::move(sink);
    log_watch(self, "watch_added", id, "blocking");
  }
  self->state.add(std::move(w));
}

} // namespace

watcher_registry_actor::behavior_type watcher_registry(self_pointer self,
                                                       registry_config cfg) {
  self->state.cfg = std::move(cfg);
  self->set_down_handler([self](const caf::down_msg& msg) {
    auto& ws = self->state.watchers;
    for (auto& w : ws)
      if (w.actor && w.actor.address() == msg.source) {
        self->state.remove(w.id);
        return;
      }
  });
  return {
    [=](event_atom, std::vector<event>& events) {
      std::vector<watcher_registry_state::watcher> dropped;
      auto deliveries = self->state.dispatch(std::move(events), dropped);
      for (auto& w : dropped)
        drop(self, w);
      if (!dropped.empty())
        detail::counters::set(self->state.cfg.counters->watchers_active,
                              self->state.watchers.size());
      for (auto& d : deliveries)
        deliver(self, d);
    },
    [=](watch_atom, watch_id id, watch_filter& filter, watcher_actor& sink) {
      add(self, id, filter, sink);
    },
    [=](watch_atom, watch_id id, watch_filter& filter,
        std::shared_ptr<watch_queue>& sink) { add(self, id, filter, sink); },
    [=](cancel_atom, watch_id id) {
      if (auto w = self->state.remove(id))
        end_watch(self, *w, watch_end::cancelled);
    },
    [=](close_atom) {
      for (auto& w : self->state.take_all())
        end_watch(self, w, watch_end::closed);
      self->quit();
      return ok_atom::value;
    },
  };
}

} // namespace podshare::actors
