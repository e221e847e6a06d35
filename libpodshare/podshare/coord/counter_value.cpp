#include "podshare/coord/counter_value.hpp"

#include <algorithm>
#include <map>

namespace podshare::coord::counter_value {

namespace {

uint64_t unsigned_of(const nlohmann::json& x, const char* field) {
  auto i = x.find(field);
  // A literal in C++ is a signed number to nlohmann; a parsed one unsigned.
  if (i == x.end() || !i->is_number_integer()
      || (!i->is_number_unsigned() && i->get<int64_t>() < 0))
    return 0;
  return i->get<uint64_t>();
}

int64_t signed_of(const nlohmann::json& x, const char* field) {
  auto i = x.find(field);
  return i != x.end() && i->is_number_integer() ? i->get<int64_t>() : 0;
}

const nlohmann::json& member(const nlohmann::json& x, const char* name) {
  static const nlohmann::json empty = nlohmann::json::object();
  if (!x.is_object())
    return empty;
  auto i = x.find(name);
  return i != x.end() && i->is_object() ? *i : empty;
}

nlohmann::json slot_json(const slot& s) {
  return {{"node", s.node}, {"p", s.incr}, {"n", s.decr}, {"t", s.written_ms}};
}

slot parse_slot(const nlohmann::json& x) {
  slot s;
  if (!x.is_object())
    return s;
  if (auto i = x.find("node"); i != x.end() && i->is_string())
    s.node = i->get<std::string>();
  s.incr = unsigned_of(x, "p");
  s.decr = unsigned_of(x, "n");
  s.written_ms = signed_of(x, "t");
  return s;
}

} // namespace

nlohmann::json join(const nlohmann::json& x, const nlohmann::json& y,
                    int64_t horizon_ms) {
  // The folds: union, the later time per generation.
  std::map<std::string, int64_t> folded;
  for (auto* v : {&x, &y})
    for (auto& [g, t] : member(*v, "folded").items()) {
      auto ms = t.is_number_integer() ? t.get<int64_t>() : 0;
      auto [i, fresh] = folded.emplace(g, ms);
      if (!fresh)
        i->second = std::max(i->second, ms);
    }
  // The slots: per field the larger, the folded ones left out.
  std::map<std::string, slot> slots;
  for (auto* v : {&x, &y})
    for (auto& [g, raw] : member(*v, "slots").items()) {
      if (folded.count(g) != 0)
        continue;
      auto s = parse_slot(raw);
      auto [i, fresh] = slots.emplace(g, s);
      if (fresh)
        continue;
      auto& mine = i->second;
      mine.incr = std::max(mine.incr, s.incr);
      mine.decr = std::max(mine.decr, s.decr);
      mine.written_ms = std::max(mine.written_ms, s.written_ms);
      mine.node = std::max(mine.node, s.node);
    }
  int64_t newest = 0;
  for (auto& [g, t] : folded)
    newest = std::max(newest, t);
  nlohmann::json result{{"slots", nlohmann::json::object()},
                        {"folded", nlohmann::json::object()}};
  for (auto& [g, s] : slots)
    result["slots"][g] = slot_json(s);
  for (auto& [g, t] : folded)
    if (t >= newest - horizon_ms)
      result["folded"][g] = t;
  return result;
}

int64_t value_of(const nlohmann::json& x) {
  int64_t sum = 0;
  for (auto& [g, raw] : member(x, "slots").items()) {
    auto s = parse_slot(raw);
    sum += static_cast<int64_t>(s.incr) - static_cast<int64_t>(s.decr);
  }
  return sum;
}

slot slot_of(const nlohmann::json& x, const std::string& generation) {
  auto& slots = member(x, "slots");
  auto i = slots.find(generation);
  return i != slots.end() ? parse_slot(*i) : slot{};
}

nlohmann::json with_slot(const std::string& generation, const slot& s) {
  return {{"slots", {{generation, slot_json(s)}}},
          {"folded", nlohmann::json::object()}};
}

size_t slot_count(const nlohmann::json& x) {
  return member(x, "slots").size();
}

bool is_folded(const nlohmann::json& x, const std::string& generation) {
  return member(x, "folded").contains(generation);
}

} // namespace podshare::coord::counter_value
