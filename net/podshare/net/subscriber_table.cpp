#include "podshare/net/subscriber_table.hpp"

#include <algorithm>

namespace podshare::net {

bool subscriber_table::add(const std::string& topic,
                           const caf::actor_addr& who) {
  auto& xs = by_topic_[topic];
  xs.push_back(who);
  return xs.size() == 1;
}

bool subscriber_table::remove(const std::string& topic,
                              const caf::actor_addr& who) {
  auto i = by_topic_.find(topic);
  if (i == by_topic_.end())
    return false;
  auto& xs = i->second;
  xs.erase(std::remove(xs.begin(), xs.end(), who), xs.end());
  if (!xs.empty())
    return false;
  by_topic_.erase(i);
  return true;
}

std::vector<std::string> subscriber_table::forget(const caf::actor_addr& who) {
  std::vector<std::string> emptied;
  for (auto& [topic, xs] : by_topic_) {
    xs.erase(std::remove(xs.begin(), xs.end(), who), xs.end());
    if (xs.empty())
      emptied.push_back(topic);
  }
  for (auto& topic : emptied)
    by_topic_.erase(topic);
  return emptied;
}

const std::vector<caf::actor_addr>&
subscriber_table::of(const std::string& topic) const {
  static const std::vector<caf::actor_addr> none;
  auto i = by_topic_.find(topic);
  return i != by_topic_.end() ? i->second : none;
}

std::vector<std::string> subscriber_table::topics() const {
  std::vector<std::string> xs;
  xs.reserve(by_topic_.size());
  for (auto& [topic, addrs] : by_topic_)
    xs.push_back(topic);
  return xs;
}

} // namespace podshare::net
