#pragma once

#include "podshare/bytes.hpp"
#include "podshare/version_vector.hpp"

#include <caf/expected.hpp>

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

/// The repair protocol's messages (docs/protocol.md, "Repair"): stores of a
/// topic tell each other what they have applied and send each other only
/// what the other lacks. msgpack only, on topics of their own, which the Go
/// podshare never subscribes to.
namespace podshare::wire {

/// What a repair message says.
enum class repair_kind : uint8_t {
  /// "This is what I have applied" (periodically, and after a reconnect).
  digest = 0,
  /// "Send me what I lack": `applied` is the sender's version vector.
  request = 1,
  /// "Here is what you lacked": `changes` and what they bring you to.
  answer = 2,
  /// "I cannot tell what you lack: load a snapshot."
  full = 3,
};

/// One repair message.
struct repair_message {
  repair_kind kind = repair_kind::digest;
  /// The sender's node id and incarnation.
  std::string from;
  uint64_t incarnation = 0;
  /// The sender's version vector; in an answer, the one its changes were
  /// computed under, which the receiver may adopt once it applied them.
  std::vector<applied_writes> applied;
  /// A digest that asks every receiver for its digest (after a reconnect).
  bool ask = false;
  /// An answer's changes: an encoded event or batch (`encode_events`).
  bytes changes;
};

/// Encodes `x` as a msgpack map.
bytes encode_repair(const repair_message& x);

/// Decodes what `encode_repair` writes; `decode_failed` with a reason for
/// anything else. Never throws.
caf::expected<repair_message> decode_repair(const uint8_t* data, size_t size);

/// The topic on which a topic's stores exchange digests: `<topic>:repair`
/// (so a topic of that name is reserved).
std::string repair_topic(const std::string& topic);

/// The inbox topic of one store of a topic, `<topic>:repair:<node>`:
/// requests and answers for it.
std::string repair_inbox(const std::string& topic, const std::string& node);

} // namespace podshare::wire
