#include "podshare/net/p2p/transport_ops.hpp"

#include "podshare/error.hpp"

namespace podshare::net::p2p {

caf::result<ok_atom> sync(self_pointer self) {
  auto& st = self->state;
  if (st.closed)
    return closed_error();
  if (st.sessions.empty()) {
    if (st.targets.empty())
      return ok_atom::value; // a pod on its own: nothing to wait for
    return caf::make_error(ec::transport_failed,
                           "sync: no peer connected to acknowledge");
  }
  sync_waiter w;
  for (auto& [name, s] : st.sessions) {
    if (s.acknowledged < s.enqueued)
      w.targets.emplace(name, s.enqueued);
    else
      w.acknowledged = true;
  }
  if (w.targets.empty())
    return ok_atom::value;
  w.promise = self->make_response_promise<ok_atom>();
  auto promise = w.promise;
  st.syncs.push_back(std::move(w));
  return promise;
}

void check_syncs(self_pointer self) {
  auto& st = self->state;
  for (auto i = st.syncs.begin(); i != st.syncs.end();) {
    auto& w = *i;
    for (auto t = w.targets.begin(); t != w.targets.end();) {
      auto s = st.sessions.find(t->first);
      if (s == st.sessions.end()) {
        t = w.targets.erase(t); // ended: not waited for
      } else if (s->second.acknowledged >= t->second) {
        w.acknowledged = true;
        t = w.targets.erase(t);
      } else {
        ++t;
      }
    }
    if (!w.targets.empty()) {
      ++i;
      continue;
    }
    if (w.acknowledged)
      w.promise.deliver(ok_atom::value);
    else
      w.promise.deliver(caf::make_error(
        ec::transport_failed,
        "sync: every peer ended its session before acknowledging"));
    i = st.syncs.erase(i);
  }
}

void fail_syncs(self_pointer self, const caf::error& reason) {
  auto& st = self->state;
  for (auto& w : st.syncs)
    w.promise.deliver(reason);
  st.syncs.clear();
}

} // namespace podshare::net::p2p
