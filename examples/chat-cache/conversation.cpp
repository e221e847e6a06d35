#include "conversation.hpp"

#include <algorithm>
#include <tuple>
#include <unordered_map>
#include <unordered_set>
#include <utility>

namespace chat {

namespace {

auto order_key(const message& x) {
  return std::tie(x.timestamp, x.id, x.author, x.text);
}

} // namespace

bool operator==(const message& x, const message& y) {
  return order_key(x) == order_key(y);
}

bool operator==(const conversation& x, const conversation& y) {
  return x.messages == y.messages;
}

conversation make_conversation(std::vector<message> xs) {
  // Sorting by the full tuple puts the winner of an id clash last among the
  // messages of its id, whatever order the input had.
  std::sort(xs.begin(), xs.end(), [](const message& x, const message& y) {
    return order_key(x) < order_key(y);
  });
  std::unordered_map<std::string, size_t> winner;
  for (size_t i = 0; i < xs.size(); ++i)
    winner[xs[i].id] = i;
  conversation result;
  result.messages.reserve(winner.size());
  for (size_t i = 0; i < xs.size(); ++i)
    if (winner[xs[i].id] == i)
      result.messages.push_back(std::move(xs[i]));
  return result;
}

conversation merge(const conversation& current, const conversation& incoming) {
  std::vector<message> all;
  all.reserve(current.messages.size() + incoming.messages.size());
  all.insert(all.end(), current.messages.begin(), current.messages.end());
  all.insert(all.end(), incoming.messages.begin(), incoming.messages.end());
  return make_conversation(std::move(all));
}

std::vector<message> added(const conversation& before,
                           const conversation& after) {
  std::unordered_set<std::string> seen;
  for (auto& x : before.messages)
    seen.insert(x.id);
  std::vector<message> result;
  for (auto& x : after.messages)
    if (seen.count(x.id) == 0)
      result.push_back(x);
  return result;
}

} // namespace chat
