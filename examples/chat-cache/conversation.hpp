#pragma once

// The chat-cache's value type: a conversation is a grow-only set of messages,
// and its merger is set union with duplicates removed by id. Free of CAF so
// that tests and other programs include it cheaply.

#include "podshare/codec.hpp"

#include <msgpack.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace chat {

/// One chat message. `id` is unique per message across all pods.
struct message {
  std::string id;
  std::string author;
  /// Nanoseconds since the Unix epoch, as the author's pod saw it.
  int64_t timestamp = 0;
  std::string text;

  MSGPACK_DEFINE_MAP(id, author, timestamp, text)
};

bool operator==(const message& x, const message& y);

inline bool operator!=(const message& x, const message& y) {
  return !(x == y);
}

/// A set of messages, kept sorted by (timestamp, id) with unique ids.
struct conversation {
  std::vector<message> messages;

  MSGPACK_DEFINE_MAP(messages)
};

bool operator==(const conversation& x, const conversation& y);

inline bool operator!=(const conversation& x, const conversation& y) {
  return !(x == y);
}

/// Builds a conversation from messages in any order, with duplicates.
conversation make_conversation(std::vector<message> xs);

/// The join of two conversations: their union, one message per id, sorted by
/// (timestamp, id). Commutative, associative and idempotent, so every pod
/// that has seen the same messages holds the same conversation. When two
/// messages share an id (a bug upstream), the greater by (timestamp, author,
/// text) is kept, so that the choice does not depend on the order of
/// arguments.
conversation merge(const conversation& current, const conversation& incoming);

/// The messages of `after` whose ids are not in `before`, in order.
std::vector<message> added(const conversation& before,
                           const conversation& after);

/// The codec the chat cache stores conversations with.
using codec = podshare::msgpack_codec<conversation>;

} // namespace chat
