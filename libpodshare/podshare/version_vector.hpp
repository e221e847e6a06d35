#pragma once

#include "podshare/version.hpp"

#include <caf/expected.hpp>
#include <caf/meta/type_name.hpp>

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace podshare {

/// What a store has applied of one writer's writes: every seq from 1 up to
/// `seq` of the writer `origin` in its life `incarnation` (a write applied,
/// or superseded by what was applied).
struct applied_writes {
  std::string origin;
  uint64_t incarnation = 0;
  uint64_t seq = 0;
};

inline bool operator==(const applied_writes& x, const applied_writes& y) {
  return x.origin == y.origin && x.incarnation == y.incarnation
         && x.seq == y.seq;
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, applied_writes& x) {
  return f(caf::meta::type_name("applied_writes"), x.origin, x.incarnation,
           x.seq);
}

/// Names one write, so that any pod can wait until it has applied it
/// (`store::wait_for`): read-your-writes across pods.
struct write_token {
  std::string origin;
  uint64_t incarnation = 0;
  uint64_t seq = 0;
};

inline bool operator==(const write_token& x, const write_token& y) {
  return x.origin == y.origin && x.incarnation == y.incarnation
         && x.seq == y.seq;
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, write_token& x) {
  return f(caf::meta::type_name("write_token"), x.origin, x.incarnation, x.seq);
}

/// The token of the write that `v` names (a write's reply carries its
/// version; a batch's last version covers the whole batch).
inline write_token token_of(const version& v) {
  return {v.origin, v.incarnation, v.seq};
}

/// The token as text: `<incarnation>.<seq>.<origin>` in decimal, the origin
/// last since a node id may hold any character.
std::string to_string(const write_token& x);

/// Parses what `to_string` writes; `invalid_argument` for anything else.
caf::expected<write_token> parse_write_token(std::string_view text);

/// Per writer incarnation, how far a store has applied its writes without a
/// hole, and which later seqs arrived early. A seq that skips past the next
/// expected one is a gap: a message was lost (or is late) and the writer's
/// difference must be fetched.
class version_vector {
public:
  /// What a received write's seq says.
  enum class arrival {
    /// The next expected seq, or one that closes a hole.
    in_order,
    /// Applied before (or covered by a merge).
    duplicate,
    /// Beyond the next expected seq, opening a hole: something before it
    /// is missing. Reported once per hole, so that one repair serves it.
    gap,
    /// Beyond the next expected seq, behind a hole already open.
    early,
  };

  version_vector() = default;
  // The cache of `observe` points into the map: a copy would point into
  // the original's.
  version_vector(const version_vector&) = delete;
  version_vector& operator=(const version_vector&) = delete;
  version_vector(version_vector&&) = default;
  version_vector& operator=(version_vector&&) = default;

  /// Records that the write `seq` of `origin` (`incarnation`) arrived.
  /// @pre `incarnation != 0`: writes without one are not tracked.
  arrival observe(std::string_view origin, uint64_t incarnation, uint64_t seq);

  /// Whether every write up to `seq` of `origin`'s `incarnation` is
  /// applied.
  bool covers(std::string_view origin, uint64_t incarnation,
              uint64_t seq) const;

  /// Raises each writer to at least what `xs` say is applied: after a
  /// state that reflects `xs` was merged in (a snapshot, a repair). Returns
  /// whether anything moved.
  bool merge(const std::vector<applied_writes>& xs);

  /// Whether `xs` name a write this vector does not cover.
  bool behind(const std::vector<applied_writes>& xs) const;

  /// The contiguous prefix per writer, ordered by origin and incarnation.
  std::vector<applied_writes> entries() const;

  /// Writers with writes that arrived past a hole.
  bool has_holes() const noexcept { return holes_ > 0; }

private:
  struct track {
    uint64_t seq = 0;
    // Seqs that arrived past a hole, all greater than `seq + 1`.
    std::set<uint64_t> early;
  };

  // Moves `x.seq` over the early seqs that now follow it.
  void absorb(track& x);

  const track* find(std::string_view origin, uint64_t incarnation) const;

  // The track `observe` used last: a message's changes, a batch, a store's
  // own writes mostly share their writer. Map nodes never move.
  track& track_of(std::string_view origin, uint64_t incarnation);
  track* last_ = nullptr;
  const std::string* last_origin_ = nullptr;
  uint64_t last_incarnation_ = 0;

  // By origin, then incarnation.
  std::map<std::string, std::map<uint64_t, track>, std::less<>> tracks_;
  // Tracks with early seqs.
  size_t holes_ = 0;
};

} // namespace podshare
