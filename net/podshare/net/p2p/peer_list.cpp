#include "podshare/net/p2p/transport_ops.hpp"

#include "podshare/error.hpp"
#include "podshare/net/p2p/basp_connection.hpp"
#include "podshare/net/p2p/endpoint.hpp"

#include <caf/typed_event_based_actor.hpp>

#include <set>

namespace podshare::net::p2p_ops {

// -- peer list ----------------------------------------------------------------

caf::expected<std::string> normalize(const std::string& text) {
  auto x = parse_endpoint(text);
  if (!x)
    return std::move(x.error());
  return to_string(*x);
}

void add_target(self_pointer self, const std::string& endpoint) {
  auto& st = self->state;
  if (endpoint == st.self_endpoint || st.targets.count(endpoint) > 0)
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
  auto session = st.sessions.find(peer);
  if (session == st.sessions.end())
    return;
  // The connection goes too, or CAF would keep it for the next dial.
  auto node = session->second.handle.node();
  close_session(self, peer,
                caf::make_error(ec::transport_closed, "peer removed"), true);
  close_basp_connection(self->system(), node);
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
    result.push_back(
      {endpoint, s ? s->name : std::string{}, s != nullptr, true});
    if (s != nullptr)
      listed.insert(s->name);
  }
  for (auto& [name, s] : st.sessions)
    if (listed.count(name) == 0)
      result.push_back({s.endpoint, name, true, false});
  return result;
}

} // namespace podshare::net::p2p_ops
