#include "podshare/callreply/route.hpp"

#include "podshare/detail/rfc3339.hpp"
#include "podshare/record.hpp"
#include "podshare/replica.hpp"

namespace podshare::callreply {

bytes encode_route(const std::string& pod, int64_t now_ns) {
  nlohmann::json route{{"pod_id", pod},
                       {"updated_at", detail::format_rfc3339(now_ns)}};
  auto text = route.dump();
  return {text.begin(), text.end()};
}

std::string route_owner(const nlohmann::json& value) {
  if (!value.is_object())
    return {};
  auto i = value.find("pod_id");
  return i != value.end() && i->is_string() ? i->get<std::string>()
                                            : std::string{};
}

route_entry read_route(const store_handle& routing, const std::string& target) {
  return routing.map->read(target, [](const record* x) {
    if (x == nullptr || x->tombstone())
      return route_entry{};
    return route_entry{route_owner(x->value_as<nlohmann::json>()),
                       x->version()};
  });
}

} // namespace podshare::callreply
