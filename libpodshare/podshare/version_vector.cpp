#include "podshare/version_vector.hpp"

#include "podshare/error.hpp"

#include <algorithm>
#include <charconv>

namespace podshare {

std::string to_string(const write_token& x) {
  return std::to_string(x.incarnation) + '.' + std::to_string(x.seq) + '.'
         + x.origin;
}

namespace {

// Reads a decimal number up to the next dot of `text`, consuming both.
bool read_number(std::string_view& text, uint64_t& out) {
  auto dot = text.find('.');
  if (dot == std::string_view::npos || dot == 0)
    return false;
  auto [end, err] = std::from_chars(text.data(), text.data() + dot, out);
  if (err != std::errc{} || end != text.data() + dot)
    return false;
  text.remove_prefix(dot + 1);
  return true;
}

} // namespace

caf::expected<write_token> parse_write_token(std::string_view text) {
  write_token result;
  auto rest = text;
  if (!read_number(rest, result.incarnation) || !read_number(rest, result.seq)
      || rest.empty() || result.incarnation == 0 || result.seq == 0)
    return caf::make_error(ec::invalid_argument,
                           "not a write token (INCARNATION.SEQ.ORIGIN): "
                             + std::string{text});
  result.origin = std::string{rest};
  return result;
}

version_vector::track& version_vector::track_of(std::string_view origin,
                                                uint64_t incarnation) {
  if (last_ != nullptr && last_incarnation_ == incarnation
      && *last_origin_ == origin)
    return *last_;
  auto i = tracks_.find(origin);
  if (i == tracks_.end())
    i = tracks_.emplace(std::string{origin}, std::map<uint64_t, track>{}).first;
  last_ = &i->second[incarnation];
  last_origin_ = &i->first;
  last_incarnation_ = incarnation;
  return *last_;
}

version_vector::arrival version_vector::observe(std::string_view origin,
                                                uint64_t incarnation,
                                                uint64_t seq) {
  auto& x = track_of(origin, incarnation);
  if (seq <= x.seq || x.early.count(seq) > 0)
    return arrival::duplicate;
  if (seq == x.seq + 1) {
    x.seq = seq;
    absorb(x);
    return arrival::in_order;
  }
  bool opens = x.early.empty();
  if (opens)
    ++holes_;
  x.early.insert(seq);
  return opens ? arrival::gap : arrival::early;
}

void version_vector::absorb(track& x) {
  if (x.early.empty())
    return;
  auto i = x.early.begin();
  while (i != x.early.end() && *i <= x.seq + 1) {
    x.seq = std::max(x.seq, *i);
    i = x.early.erase(i);
  }
  if (x.early.empty())
    --holes_;
}

const version_vector::track* version_vector::find(std::string_view origin,
                                                  uint64_t incarnation) const {
  auto i = tracks_.find(origin);
  if (i == tracks_.end())
    return nullptr;
  auto j = i->second.find(incarnation);
  return j == i->second.end() ? nullptr : &j->second;
}

bool version_vector::covers(std::string_view origin, uint64_t incarnation,
                            uint64_t seq) const {
  auto* x = find(origin, incarnation);
  return x != nullptr && x->seq >= seq;
}

bool version_vector::merge(const std::vector<applied_writes>& xs) {
  bool moved = false;
  for (auto& w : xs) {
    if (w.incarnation == 0 || w.seq == 0)
      continue;
    auto& x = track_of(w.origin, w.incarnation);
    if (w.seq <= x.seq)
      continue;
    moved = true;
    x.seq = w.seq;
    bool had_holes = !x.early.empty();
    x.early.erase(x.early.begin(), x.early.upper_bound(w.seq));
    if (had_holes && x.early.empty())
      --holes_;
    else
      absorb(x);
  }
  return moved;
}

bool version_vector::behind(const std::vector<applied_writes>& xs) const {
  return std::any_of(xs.begin(), xs.end(), [this](const applied_writes& w) {
    return w.incarnation != 0 && w.seq > 0
           && !covers(w.origin, w.incarnation, w.seq);
  });
}

std::vector<applied_writes> version_vector::entries() const {
  std::vector<applied_writes> result;
  for (auto& [origin, lives] : tracks_)
    for (auto& [incarnation, x] : lives)
      if (x.seq > 0)
        result.push_back({origin, incarnation, x.seq});
  return result;
}

} // namespace podshare
