#pragma once

#include "podshare/bytes.hpp"
#include "podshare/event.hpp"
#include "podshare/version_vector.hpp"

#include <caf/expected.hpp>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

/// The wire envelope of protocol version 1 (spec §10): events, batches and
/// snapshots, in msgpack or the Go-compatible JSON form. A receiver accepts
/// both and tells them apart by the first byte.
namespace podshare::wire {

/// The protocol version we speak; a message with a greater `v` is rejected.
constexpr uint64_t protocol_version = 1;

/// The encoding a sender uses.
enum class format : uint8_t {
  msgpack = 0,
  json = 1,
};

/// The encoding of a message as a receiver tells it: by its first byte after
/// optional ASCII whitespace, `{` or `[` for JSON, a msgpack map or array
/// header (0x80–0x9f, 0xdc–0xdf) for msgpack; none for anything else.
std::optional<format> format_of(const uint8_t* data, size_t size);

/// Returns `"msgpack"` or `"json"`.
const char* to_string(format x);

/// Encodes changes for the event channel: one change as a single event
/// object, several (or none) as a batch, an array of events. `decoded` is
/// ignored, and so is `value` for deletes. The Go podshare never sends
/// batches (it accepts only single events); a batch goes to C++ peers only.
/// In JSON, invalid UTF-8 in a key or origin becomes U+FFFD, as Go's
/// `encoding/json` does; msgpack carries strings byte for byte.
bytes encode_events(format fmt, const std::vector<event>& changes);

/// Local changes encoded one by one as they are made, to send later as one
/// message: a lone change as an event, several as a batch, the same bytes
/// `encode_events(format::msgpack, ...)` makes of them all at once. msgpack
/// only: the Go podshare reads JSON and single events only, so changes
/// bound for it are never joined.
class msgpack_outbox {
public:
  /// Encodes `change` after the ones added before.
  void add(const event& change);

  /// How many changes wait.
  size_t size() const noexcept { return count_; }

  /// How many bytes they take encoded.
  size_t byte_size() const noexcept { return body_.size(); }

  /// The message of every change added since the last `take`.
  bytes take();

private:
  bytes body_;
  size_t count_ = 0;
};

/// Decodes an event or a batch; the format is told by the first byte after
/// optional ASCII whitespace (`{` or `[`: JSON; a msgpack map or array:
/// msgpack). Fails with `decode_failed` (not an envelope, wrong field types,
/// bad base64 or timestamp, missing `kind`/`key`/`origin`/`timestamp`,
/// trailing bytes), `unsupported_protocol_version` (`v` above ours) or
/// `unknown_message_kind`; a batch with one bad event fails whole. Unknown
/// fields are ignored, null counts as absent, a missing `v` means 0.
/// Never throws.
caf::expected<std::vector<event>> decode_events(const uint8_t* data,
                                                size_t size);

/// As above, into `out` (emptied first), whose buffer a receiver can keep
/// from one message to the next. On failure `out` is empty.
caf::error decode_events(const uint8_t* data, size_t size,
                         std::vector<event>& out);

/// Encodes a snapshot: every entry, tombstones as `erase` changes, in the
/// given order (unsorted: sorting 100,000 keys would cost more than the rest
/// of the encoding).
/// `applied`: what the state the entries hold reflects (a version vector),
/// written as the snapshot's `vv` field when not empty.
/// @pre Every key occurs once.
bytes encode_snapshot(format fmt, const std::vector<event>& entries,
                      const std::vector<applied_writes>& applied = {});

/// One snapshot entry as the encoder reads it, owning nothing: the
/// snapshotter encodes straight from a pinned replica instead of copying
/// every entry first.
struct entry_view {
  std::string_view key;
  /// The encoded value; null for tombstones.
  const bytes* value;
  int64_t timestamp;
  std::string_view origin;
  uint64_t seq;
  /// The writer's incarnation; zero (unknown) is not written.
  uint64_t incarnation = 0;

  bool tombstone() const noexcept { return value == nullptr; }
};

/// Encodes a snapshot from views, in the given order.
/// @pre Every key occurs once.
bytes encode_snapshot(format fmt, const std::vector<entry_view>& entries,
                      const std::vector<applied_writes>& applied = {});

/// Encodes a snapshot an entry at a time, in the order a walk over a map
/// yields them, so that each entry is read while it is in the cache: a
/// second pass over 100,000 entries scattered in memory missed the cache on
/// nearly every one. Both forms are written as they come.
class snapshot_writer {
public:
  /// `reserve`: bytes to allocate up front (a guess; the buffer grows).
  snapshot_writer(format fmt, size_t reserve);

  /// Adds an entry. @pre No entry with the same key was added.
  void add(const entry_view& x);

  /// Entries added so far.
  size_t size() const noexcept { return count_; }

  /// The encoded snapshot, with `applied` as its version vector if not
  /// empty; the writer is spent.
  bytes finish(const std::vector<applied_writes>& applied = {});

private:
  format fmt_;
  bytes buf_;
  size_t count_at_ = 0;
  size_t count_ = 0;
};

/// Decodes a snapshot, entries in the order of the message, tombstones as
/// `erase` changes; the same failures as `decode_events` (`entries` is
/// required, null means none). Its version vector (`vv`, optional) goes to
/// `applied` if given: empty when absent.
caf::expected<std::vector<event>>
decode_snapshot(const uint8_t* data, size_t size,
                std::vector<applied_writes>* applied = nullptr);

} // namespace podshare::wire
