#include "rollout.hpp"

#include "podshare/detail/epoch.hpp"

#include <algorithm>

namespace flags {

bool operator==(const flag& x, const flag& y) {
  return x.name == y.name && x.enabled == y.enabled && x.percent == y.percent;
}

uint64_t fnv1a(std::string_view text) {
  uint64_t hash = 14695981039346656037ULL;
  for (unsigned char c : text) {
    hash ^= c;
    hash *= 1099511628211ULL;
  }
  return hash;
}

int bucket(std::string_view flag_name, std::string_view user) {
  std::string key;
  key.reserve(flag_name.size() + 1 + user.size());
  key.append(flag_name).append(":").append(user);
  return static_cast<int>(fnv1a(key) % 100);
}

bool decide(const flag& f, std::string_view user) {
  return f.enabled && bucket(f.name, user) < f.percent;
}

latest_flag::guard::guard() {
  podshare::detail::epoch_domain::instance().enter_thread();
}

latest_flag::guard::~guard() {
  podshare::detail::epoch_domain::instance().exit_thread();
}

latest_flag::~latest_flag() {
  // No reader may outlive the holder, so everything can go.
  delete current_.load();
  for (auto& x : retired_)
    delete x.first;
}

void latest_flag::publish(flag x) {
  auto& domain = podshare::detail::epoch_domain::instance();
  auto* old
    = current_.exchange(new flag(std::move(x)), std::memory_order_acq_rel);
  if (old != nullptr)
    retired_.emplace_back(old, domain.current());
  // Memory unlinked at epoch e is unreachable once the epoch is e + 2.
  auto now = domain.try_advance();
  auto freeable = [now](const std::pair<const flag*, uint64_t>& x) {
    return x.second + 2 <= now;
  };
  for (auto& x : retired_)
    if (freeable(x))
      delete x.first;
  retired_.erase(std::remove_if(retired_.begin(), retired_.end(), freeable),
                 retired_.end());
}

} // namespace flags
