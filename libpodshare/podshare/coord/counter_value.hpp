#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>

/// The replicated value of one PN-counter, a JSON document:
///
/// ~~~
/// {"slots":  {"<generation>": {"node": "<node id>", "p": incr, "n": decr,
///                              "t": last write, ms}},
///  "folded": {"<generation>": fold time, ms}}
/// ~~~
///
/// Each slot has one writer (the process generation that minted it), which
/// writes its running totals. The counter's value is the sum of `p - n`
/// over the slots. Folding moves the totals of dead slots into the folder's
/// own slot and lists the dead ones in `folded`, so that every replica drops
/// them (docs/coordination.md says when that is safe).
namespace podshare::coord::counter_value {

/// How long a fold is remembered after the newest fold of the same counter:
/// a replica that was away for longer may bring a folded slot back.
constexpr int64_t default_horizon_ms = int64_t{24} * 3600 * 1000;

/// One slot's totals.
struct slot {
  std::string node;
  uint64_t incr = 0;
  uint64_t decr = 0;
  int64_t written_ms = 0;
};

/// The join of two values: per slot the larger totals, the union of the
/// folds, minus the folded slots; folds older than `horizon_ms` before the
/// newest are forgotten.
nlohmann::json join(const nlohmann::json& x, const nlohmann::json& y,
                    int64_t horizon_ms = default_horizon_ms);

/// The counter's value: the sum of `p - n` over the slots.
int64_t value_of(const nlohmann::json& x);

/// The totals of slot `generation`, zero when absent.
slot slot_of(const nlohmann::json& x, const std::string& generation);

/// A value holding one slot, as its writer sends it.
nlohmann::json with_slot(const std::string& generation, const slot& s);

/// How many slots the value holds (what it costs to store).
size_t slot_count(const nlohmann::json& x);

/// Whether the value lists `generation` as folded.
bool is_folded(const nlohmann::json& x, const std::string& generation);

} // namespace podshare::coord::counter_value
