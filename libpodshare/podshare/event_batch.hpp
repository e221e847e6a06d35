#pragma once

#include "podshare/event.hpp"

#include <caf/meta/load_callback.hpp>
#include <caf/meta/type_name.hpp>
#include <caf/none.hpp>

#include <cstddef>
#include <memory>
#include <utility>
#include <vector>

namespace podshare {

/// Events in apply order, as an actor watcher receives them. Immutable and
/// shared: a batch that goes to a hundred watchers is one vector with a
/// hundred references, not a hundred copies. It has no `begin`/`end` on
/// purpose: CAF 0.17 would take it for a container and bypass `inspect`;
/// iterate `events()`.
class event_batch {
public:
  event_batch() = default;

  explicit event_batch(std::vector<event> events)
    : events_(std::make_shared<const std::vector<event>>(std::move(events))) {}

  /// The events, in apply order.
  const std::vector<event>& events() const {
    return events_ ? *events_ : no_events();
  }

  size_t size() const { return events().size(); }
  bool empty() const { return events().empty(); }
  const event& operator[](size_t i) const { return events()[i]; }

private:
  static const std::vector<event>& no_events() {
    static const std::vector<event> none;
    return none;
  }

  std::shared_ptr<const std::vector<event>> events_;
};

/// A remote watcher gets the events themselves: copied on the way out, a
/// fresh batch on the way in.
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, event_batch& x) {
  auto events = x.events();
  return f(caf::meta::type_name("event_batch"), events,
           caf::meta::load_callback([&]() -> caf::error {
             x = event_batch{std::move(events)};
             return caf::none;
           }));
}

} // namespace podshare
