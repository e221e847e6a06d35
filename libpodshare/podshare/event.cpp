#include "podshare/event.hpp"

namespace podshare {

const char* to_string(event_kind kind) {
  // No default: -Wswitch flags a new kind that has no wire name yet.
  switch (kind) {
    case event_kind::set: return "set";
    case event_kind::erase: return "delete";
  }
  return "unknown";
}

} // namespace podshare
