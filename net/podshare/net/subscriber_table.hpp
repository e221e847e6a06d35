#pragma once

#include "podshare/bytes.hpp"
#include "podshare/ingest_budget.hpp"
#include "podshare/interfaces.hpp"

#include <caf/actor_addr.hpp>
#include <caf/actor_cast.hpp>

#include <string>
#include <unordered_map>
#include <vector>

namespace podshare::net {

/// The stores subscribed to each topic of a transport, held by address
/// (weakly): a store nobody references any more goes away even if it never
/// unsubscribed, and the transport forgets it on its down message.
class subscriber_table {
public:
  /// Adds `who` to `topic`; returns whether nobody had subscribed to it.
  bool add(const std::string& topic, const caf::actor_addr& who);

  /// Removes `who` from `topic`; returns whether the topic is left empty
  /// (it is then forgotten).
  bool remove(const std::string& topic, const caf::actor_addr& who);

  /// Removes `who` from every topic; returns the topics left empty.
  std::vector<std::string> forget(const caf::actor_addr& who);

  /// The subscribers of `topic`; empty for an unknown one.
  const std::vector<caf::actor_addr>& of(const std::string& topic) const;

  /// Every topic with a subscriber.
  std::vector<std::string> topics() const;

  bool empty() const noexcept { return by_topic_.empty(); }

  void clear() { by_topic_.clear(); }

  /// Sends `deliver(topic, payload)` to every subscriber of `topic` except
  /// `skip` (the publisher, which has the message already); returns to how
  /// many. With a `budget`, the copies are charged to it until handled.
  template <class Self>
  size_t deliver(Self* self, const std::string& topic, const bytes& payload,
                 const caf::actor_addr& skip = {},
                 ingest_budget* budget = nullptr) const {
    receivers_.clear();
    for (auto& addr : of(topic))
      if (addr != skip)
        if (auto x = caf::actor_cast<subscriber_actor>(addr))
          receivers_.push_back(std::move(x));
    if (receivers_.empty())
      return 0;
    ingest_ticket ticket;
    if (budget != nullptr)
      ticket = budget->charge(
        receivers_.size()
        * (payload.size() + topic.size() + ingest_budget::message_overhead));
    for (auto& x : receivers_)
      self->send(x, deliver_atom::value, topic, payload, ticket);
    auto n = receivers_.size();
    // Strong handles: kept, they would keep the stores alive.
    receivers_.clear();
    return n;
  }

  /// Tells every subscriber of `topic` that messages may have been lost.
  template <class Self>
  void resync(Self* self, const std::string& topic) const {
    for (auto& addr : of(topic))
      if (auto x = caf::actor_cast<subscriber_actor>(addr))
        self->send(x, resync_atom::value, topic);
  }

  /// `resync` on every topic.
  template <class Self>
  void resync_all(Self* self) const {
    for (auto& [topic, addrs] : by_topic_)
      resync(self, topic);
  }

private:
  std::unordered_map<std::string, std::vector<caf::actor_addr>> by_topic_;
  // Scratch for `deliver`, kept (empty) to spare an allocation per message.
  mutable std::vector<subscriber_actor> receivers_;
};

} // namespace podshare::net
