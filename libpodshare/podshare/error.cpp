#include "podshare/error.hpp"

#include <caf/deep_to_string.hpp>
#include <caf/message.hpp>

namespace podshare {

const char* to_string(ec code) {
  switch (code) {
    case ec::none: return "none";
    case ec::closed: return "closed";
    case ec::broadcast_failed: return "broadcast_failed";
    case ec::seed_on_non_empty_store: return "seed_on_non_empty_store";
    case ec::encode_failed: return "encode_failed";
    case ec::decode_failed: return "decode_failed";
    case ec::unsupported_protocol_version:
      return "unsupported_protocol_version";
    case ec::timeout: return "timeout";
    case ec::invalid_argument: return "invalid_argument";
    case ec::transport_closed: return "transport_closed";
    case ec::unknown_message_kind: return "unknown_message_kind";
    case ec::clock_skew: return "clock_skew";
    case ec::version_mismatch: return "version_mismatch";
    case ec::snapshot_failed: return "snapshot_failed";
    case ec::watcher_dropped: return "watcher_dropped";
    case ec::transport_failed: return "transport_failed";
    case ec::writer_folded: return "writer_folded";
    case ec::no_route: return "no_route";
    case ec::no_handler: return "no_handler";
    case ec::busy: return "busy";
    case ec::unreachable: return "unreachable";
    case ec::handler_error: return "handler_error";
    case ec::ingest_overrun: return "ingest_overrun";
  }
  return "unknown";
}

std::string render_error(uint8_t code, caf::atom_value,
                         const caf::message& context) {
  std::string result = "podshare: ";
  result += to_string(static_cast<ec>(code));
  if (context.empty())
    return result;
  result += " (";
  // Our own errors carry one string; render anything else CAF's way.
  if (context.match_elements<std::string>())
    result += context.get_as<std::string>(0);
  else
    result += caf::deep_to_string(context);
  result += ")";
  return result;
}

std::string describe(const caf::error& err) {
  // CAF 0.17's category() reads through the null payload of no error.
  if (!err)
    return "none";
  if (err.category() != error_category)
    return caf::to_string(err);
  return render_error(err.code(), err.category(), err.context());
}

std::string reason_of(const caf::error& err) {
  if (!err)
    return describe(err);
  auto& context = err.context();
  if (context.match_elements<std::string>())
    return context.get_as<std::string>(0);
  return describe(err);
}

} // namespace podshare
