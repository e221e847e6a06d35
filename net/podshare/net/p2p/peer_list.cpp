#include "podshare/net/p2p/transport_ops.hpp"

#include "podshare/error.hpp"
#include "podshare/net/p2p/endpoint.hpp"

#include <caf/typed_event_based_actor.hpp>

#include <set>

namespace podshare::net::p2p {

// -- peer list ----------------------------------------------------------------

caf::expected<std::string> normalize(const std::string& text) {
  auto x = parse_endpoint(text);
  if (!x)
    return std::move(x.error());
  return to_string(*x);
}

void add_target(self_pointer self, const std::string& endpoint) {
  auto& st = self->state;
  if (st.closed || endpoint == st.self_endpoint
      || st.targets.count(endpoint) > 0)
    return;
  auto& t = st.targets[endpoint];
  if (st.port != 0)
    first_dial(self, endpoint, t);
}

void remove_target(self_pointer self, const std::string& endpoint) {
  auto& st = self->state;
  auto target = st.targets.find(endpoint);
  if (target == st.targets.end())
    return;
  auto peer = target->second.peer;
  st.targets.erase(target);
  if (auto s = st.session_at(endpoint))
    peer = s->name;
  close_session(self, peer,
                caf::make_error(ec::transport_closed, "peer removed"), true);
}

caf::result<ok_atom> sync_peers(self_pointer self,
                                const std::vector<std::string>& endpoints) {
  std::set<std::string> wanted;
  for (auto& x : endpoints) {
    auto ep = normalize(x);
    if (!ep)
      return std::move(ep.error());
    wanted.insert(std::move(*ep));
  }
  std::vector<std::string> gone;
  for (auto& [endpoint, t] : self->state.targets)
    if (wanted.count(endpoint) == 0)
      gone.push_back(endpoint);
  for (auto& endpoint : gone)
    remove_target(self, endpoint);
  for (auto& endpoint : wanted)
    add_target(self, endpoint);
  return ok_atom::value;
}

std::vector<p2p_peer> list_peers(self_pointer self) {
  auto& st = self->state;
  std::vector<p2p_peer> result;
  std::set<std::string> listed;
  for (auto& [endpoint, t] : st.targets) {
    auto s = st.session_at(endpoint);
    if (s != nullptr) {
      result.push_back(s->describe(true));
      result.back().endpoint = endpoint;
    } else {
      result.push_back(p2p_peer{endpoint, {}, false, true});
    }
    if (s != nullptr)
      listed.insert(s->name);
  }
  for (auto& [name, s] : st.sessions)
    if (listed.count(name) == 0)
      result.push_back(s.describe(false));
  return result;
}

p2p_peer peer_session::describe(bool configured) const {
  p2p_peer x;
  x.endpoint = endpoint;
  x.name = name;
  x.connected = true;
  x.configured = configured;
  x.identity = identity;
  x.messages_in = messages_in;
  x.messages_out = messages_out;
  x.bytes_in = bytes_in;
  x.bytes_out = bytes_out;
  x.relayed_out = relayed_out;
  x.queued = queued.size() + in_flight.size();
  return x;
}

} // namespace podshare::net::p2p
