#include "team_counts.hpp"

namespace flags {

std::string_view team_of(std::string_view key) {
  if (key.substr(0, key_prefix.size()) != key_prefix)
    return {};
  key.remove_prefix(key_prefix.size());
  auto slash = key.find('/');
  return slash == std::string_view::npos ? std::string_view{}
                                         : key.substr(0, slash);
}

bool is_on(const flag& f) {
  return f.enabled && f.percent > 0;
}

void fold_team_counts(team_counts& counts,
                      const podshare::observed_change<flag>& change) {
  auto team = team_of(change.key);
  if (team.empty())
    return;
  auto on = [](const flag* f) { return f != nullptr && is_on(*f) ? 1 : 0; };
  auto delta = on(change.after) - on(change.before);
  if (delta == 0)
    return;
  auto i = counts.emplace(std::string{team}, 0).first;
  i->second += delta;
  // Teams with no flag on are absent, as in a recount.
  if (i->second == 0)
    counts.erase(i);
}

team_counts
recount_teams(const std::vector<std::pair<std::string, flag>>& entries) {
  team_counts result;
  for (auto& [key, value] : entries) {
    auto team = team_of(key);
    if (!team.empty() && is_on(value))
      ++result[std::string{team}];
  }
  return result;
}

} // namespace flags
