#include "podshare/event.hpp"

#include "podshare/error.hpp"

namespace podshare {

const char* to_string(event_kind kind) {
  // No default: -Wswitch flags a new kind that has no wire name yet.
  switch (kind) {
    case event_kind::set: return "set";
    case event_kind::erase: return "delete";
  }
  return "unknown";
}

caf::error from_string(std::string_view text, event_kind& kind) {
  if (text == "set")
    kind = event_kind::set;
  else if (text == "delete")
    kind = event_kind::erase;
  else
    return caf::make_error(ec::unknown_message_kind,
                           "kind '" + std::string{text.substr(0, 32)} + "'");
  return caf::none;
}

} // namespace podshare
