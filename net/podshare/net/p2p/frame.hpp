#pragma once

#include "podshare/bytes.hpp"

#include <caf/error.hpp>
#include <caf/expected.hpp>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

/// The p2p link protocol, version 2 (docs/protocol.md): the preamble, the
/// frames and their bodies. Pure code, tested without sockets.
namespace podshare::net::p2p {

/// The link protocol version this build speaks (1 was CAF's BASP).
constexpr uint8_t link_version = 2;

/// Bytes of the preamble each side sends first.
constexpr size_t preamble_size = 8;

/// Bytes of a frame's header: the length and the type.
constexpr size_t frame_header_size = 5;

/// The largest frame accepted before the peer's `hello` told its limits.
constexpr size_t handshake_frame_limit = size_t{64} * 1024;

/// The largest piece of a snapshot in one `snap_part` frame.
constexpr size_t max_part_size = size_t{256} * 1024;

enum class frame_type : uint8_t {
  hello = 1,
  refuse = 2,
  batch = 3,
  ack = 4,
  snap_req = 5,
  snap_part = 6,
  ping = 7,
  pong = 8,
  bye = 9,
  links = 10,
  topics = 11,
  direct = 12,
};

/// Why a side refuses a connection (`refuse`) or ends it (`bye`).
enum class end_code : uint8_t {
  /// `refuse`: no common link version. `bye`: closing or peer removed.
  version_or_closing = 1,
  /// `refuse`: an empty name, ours, or a clash. `bye`: a duplicate
  /// connection; the other one between the two pods stays.
  name_or_duplicate = 2,
  /// `refuse`: this pod is closing.
  closing = 3,
  /// `refuse`: the peer broke the protocol.
  protocol = 4,
};

/// What a side tells about itself in its first frame.
struct hello {
  std::string name;
  uint64_t incarnation = 0;
  std::string endpoint;
  uint64_t max_frame = 0;
  uint64_t window_messages = 0;
  uint64_t window_bytes = 0;
  uint64_t heartbeat_ms = 0;
  std::vector<std::string> topics;
  std::vector<std::string> links;
};

/// One published message inside a `batch`, pointing into the frame.
struct message_view {
  std::string_view topic;
  std::string_view origin;
  uint64_t incarnation = 0;
  uint64_t seq = 0;
  const uint8_t* payload = nullptr;
  size_t payload_size = 0;
};

/// A piece of a snapshot inside a `snap_part`, pointing into the frame.
struct part_view {
  uint64_t id = 0;
  uint64_t stored_at = 0;
  uint64_t total = 0;
  uint64_t offset = 0;
  const uint8_t* data = nullptr;
  size_t size = 0;
};

/// A `refuse` or `bye`.
struct ending {
  uint64_t code = 0;
  std::string reason;
};

/// A `snap_req`.
struct snapshot_request {
  uint64_t id = 0;
  std::string topic;
};

/// An `ack`: cumulative counts of data received on the connection.
struct acknowledgement {
  uint64_t messages = 0;
  uint64_t bytes = 0;
};

// -- preamble -----------------------------------------------------------------

/// The 8 bytes each side sends first: "PSHR", highest and lowest version.
bytes preamble();

/// What the first bytes from a peer say.
enum class preamble_check {
  /// Fewer than `preamble_size` bytes so far.
  incomplete,
  /// Ours: `version` holds the highest common link version.
  ok,
  /// Ours, but no version in common.
  no_common_version,
  /// A TLS record: a TLS peer on a plaintext pod.
  tls_peer,
  /// Anything else.
  foreign,
};

/// Checks the first bytes a peer sent.
preamble_check check_preamble(const uint8_t* data, size_t size,
                              uint8_t& version);

/// Whether `data` starts like our plaintext preamble: what a TLS pod reads
/// from a plaintext peer.
bool looks_like_preamble(const uint8_t* data, size_t size);

// -- writing ------------------------------------------------------------------

/// Appends a whole frame to `out`.
void write_hello(bytes& out, const hello& x);
void write_refuse(bytes& out, end_code code, std::string_view reason);
void write_bye(bytes& out, end_code code, std::string_view reason);
void write_ack(bytes& out, const acknowledgement& x);
void write_snap_req(bytes& out, const snapshot_request& x);
void write_ping(bytes& out, uint64_t nonce);
void write_pong(bytes& out, uint64_t nonce);
void write_links(bytes& out, const std::vector<std::string>& names);
/// Appends a `topics` frame: every topic this pod's stores subscribe to.
void write_topics(bytes& out, const std::vector<std::string>& topics);

/// Appends a `snap_part` frame carrying `data[0, size)`.
void write_snap_part(bytes& out, uint64_t id, uint64_t stored_at,
                     uint64_t total, uint64_t offset, const uint8_t* data,
                     size_t size);

/// Appends one `batch` frame (or a `direct` one, which has the same body)
/// message by message, then patches its count and length in `finish`.
class batch_writer {
public:
  /// Starts a frame at the end of `out`.
  explicit batch_writer(bytes& out, frame_type type = frame_type::batch);

  /// Appends a message.
  void add(std::string_view topic, std::string_view origin,
           uint64_t incarnation, uint64_t seq, const uint8_t* payload,
           size_t payload_size);

  /// Messages added so far.
  size_t count() const noexcept { return count_; }

  /// Bytes the frame takes so far.
  size_t frame_size() const noexcept { return out_.size() - start_; }

  /// Completes the frame; an empty batch removes it again.
  void finish();

private:
  bytes& out_;
  size_t start_;
  size_t count_ = 0;
};

/// Bytes a message adds to a `batch` frame at most (a bound, not exact).
size_t message_overhead(std::string_view topic, std::string_view origin);

// -- reading ------------------------------------------------------------------

/// One complete frame, pointing into the reader's buffer until the next call
/// to `frame_reader::next` or `feed`.
struct frame_view {
  uint8_t type = 0;
  const uint8_t* body = nullptr;
  size_t size = 0;
};

/// Cuts a byte stream into frames. Checks each length against the limit
/// before it buffers the frame's body.
class frame_reader {
public:
  explicit frame_reader(size_t limit = handshake_frame_limit) : limit_(limit) {}

  /// Appends bytes from the peer.
  void feed(const uint8_t* data, size_t size);

  /// The next complete frame; none while one is incomplete; an error for a
  /// length of 0 or above the limit (the stream cannot be resynchronised).
  caf::expected<std::optional<frame_view>> next();

  /// Sets the largest frame (length field) accepted from now on.
  void limit(size_t x) noexcept { limit_ = x; }

  /// Bytes buffered and not yet returned as frames.
  size_t buffered() const noexcept { return buf_.size() - pos_; }

private:
  bytes buf_;
  size_t pos_ = 0;
  size_t limit_;
};

/// Decoders of frame bodies. Each fails with `decode_failed` and a short
/// reason for a truncated body, an overlong varint, a count larger than the
/// body could hold, or bytes after the last field.
caf::expected<hello> decode_hello(const uint8_t* body, size_t size);
caf::expected<ending> decode_ending(const uint8_t* body, size_t size);
caf::expected<acknowledgement> decode_ack(const uint8_t* body, size_t size);
caf::expected<snapshot_request> decode_snap_req(const uint8_t* body,
                                                size_t size);
caf::expected<part_view> decode_snap_part(const uint8_t* body, size_t size);
caf::expected<uint64_t> decode_nonce(const uint8_t* body, size_t size);
/// Decodes a list of names: a `links` or a `topics` frame.
caf::expected<std::vector<std::string>> decode_links(const uint8_t* body,
                                                     size_t size);

/// Decodes a `batch` or `direct` into `out` (emptied first); views point
/// into `body`.
caf::error decode_batch(const uint8_t* body, size_t size,
                        std::vector<message_view>& out);

} // namespace podshare::net::p2p
