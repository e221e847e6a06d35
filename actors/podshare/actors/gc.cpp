#include "podshare/actors/gc.hpp"

#include "podshare/actors/snapshotter.hpp"
#include "podshare/detail/log_event.hpp"

#include <caf/actor_cast.hpp>
#include <caf/typed_event_based_actor.hpp>

namespace podshare::actors {

std::vector<expired_tombstone> gc_state::scan(int64_t now) const {
  std::vector<expired_tombstone> result;
  replica::pinned_view view{cfg.map};
  view.for_each([&](const record& x) {
    if (x.tombstone() && expired(x.timestamp(), cfg.options.tombstone_ttl, now))
      result.push_back({std::string{x.key()}, x.version()});
  });
  return result;
}

gc_actor::behavior_type gc(gc_actor::stateful_pointer<gc_state> self,
                           gc_config cfg) {
  self->state.cfg = std::move(cfg);
  auto interval = self->state.cfg.options.gc_interval;
  if (interval.count() > 0)
    self->delayed_send(self, interval, tick_atom::value);
  return {
    [=](tick_atom) {
      auto& st = self->state;
      auto expired = st.scan(st.cfg.options.wall_clock());
      detail::log_event(st.cfg.options.logger, detail::log_level::debug,
                        "gc_run",
                        {{"node", st.cfg.options.node_id},
                         {"expired", std::to_string(expired.size())}});
      if (!expired.empty())
        self->send(caf::actor_cast<store_actor>(st.cfg.store),
                   expire_atom::value, std::move(expired));
      self->delayed_send(self, interval, tick_atom::value);
    },
  };
}

} // namespace podshare::actors
