#include "podshare/net/p2p/config.hpp"

namespace podshare::net {

const char* to_string(p2p_notice::kind x) {
  switch (x) {
    case p2p_notice::kind::connected: return "connected";
    case p2p_notice::kind::disconnected: return "disconnected";
    case p2p_notice::kind::dial_failed: return "dial_failed";
    case p2p_notice::kind::refused: return "refused";
    case p2p_notice::kind::dropped: return "dropped";
    case p2p_notice::kind::error: return "error";
  }
  return "?";
}

} // namespace podshare::net
