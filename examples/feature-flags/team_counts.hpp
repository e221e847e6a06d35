#pragma once

// Per-team counts of the flags that are on, kept by a store observer on the
// worker pod and recounted from a listing to check it. Flags live under
// `flags:<team>/<flag>`; the team is the text between the prefix and the
// first slash.

#include "rollout.hpp"

#include "podshare/observer.hpp"

#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace flags {

/// How many flags each team has on. A team with none is absent, so a fold
/// and a recount of the same flags give equal maps.
using team_counts = std::map<std::string, int>;

/// The team of a flag key `flags:<team>/<flag>`; empty for any other key
/// (no prefix, no slash, or an empty team), which no team counts.
std::string_view team_of(std::string_view key);

/// Whether `f` counts as on: enabled with a percentage above zero, which is
/// exactly when `decide` gives the feature to some user.
bool is_on(const flag& f);

/// Folds one change of the flag store into `counts`: the store observer's
/// `fold_function<flag, team_counts>`. A change moves a team's count by at
/// most one, by whether the key's flag was on before and is on after.
void fold_team_counts(team_counts& counts,
                      const podshare::observed_change<flag>& change);

/// Counts from scratch the flags in `entries` (as a store view's
/// `prefix(key_prefix)` lists them), to check the fold against.
team_counts
recount_teams(const std::vector<std::pair<std::string, flag>>& entries);

} // namespace flags
