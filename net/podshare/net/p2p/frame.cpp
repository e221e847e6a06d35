#include "podshare/net/p2p/frame.hpp"

#include "podshare/error.hpp"

#include <algorithm>
#include <array>
#include <cstring>

namespace podshare::net::p2p {

namespace {

constexpr std::array<uint8_t, 4> magic = {'P', 'S', 'H', 'R'};

// The lowest link version this build speaks.
constexpr uint8_t lowest_version = 2;

// -- writing ------------------------------------------------------------------

void put_uv(bytes& out, uint64_t x) {
  while (x >= 0x80) {
    out.push_back(static_cast<uint8_t>(x | 0x80));
    x >>= 7;
  }
  out.push_back(static_cast<uint8_t>(x));
}

void put_blob(bytes& out, const uint8_t* data, size_t size) {
  put_uv(out, size);
  out.insert(out.end(), data, data + size);
}

void put_str(bytes& out, std::string_view x) {
  put_blob(out, reinterpret_cast<const uint8_t*>(x.data()), x.size());
}

void put_strs(bytes& out, const std::vector<std::string>& xs) {
  put_uv(out, xs.size());
  for (auto& x : xs)
    put_str(out, x);
}

void put_u32(uint8_t* at, uint32_t x) {
  at[0] = static_cast<uint8_t>(x >> 24);
  at[1] = static_cast<uint8_t>(x >> 16);
  at[2] = static_cast<uint8_t>(x >> 8);
  at[3] = static_cast<uint8_t>(x);
}

// Opens a frame of `type` at the end of `out`; returns where it starts.
size_t open_frame(bytes& out, frame_type type) {
  auto start = out.size();
  out.resize(start + frame_header_size);
  out[start + 4] = static_cast<uint8_t>(type);
  return start;
}

// Writes the length of the frame that starts at `start`.
void close_frame(bytes& out, size_t start) {
  put_u32(out.data() + start,
          static_cast<uint32_t>(out.size() - start - frame_header_size + 1));
}

template <class Body>
void write_frame(bytes& out, frame_type type, Body body) {
  auto start = open_frame(out, type);
  body();
  close_frame(out, start);
}

// -- reading ------------------------------------------------------------------

caf::error malformed(const char* what) {
  return caf::make_error(ec::decode_failed, std::string{"p2p frame: "} + what);
}

// Reads the fields of one frame body, in order; the first failure sticks,
// and every read after it returns zero or empty.
class body_reader {
public:
  body_reader(const uint8_t* data, size_t size)
    : pos_(data), end_(data + size) {}

  uint64_t uv() {
    if (err_)
      return 0;
    uint64_t x = 0;
    for (int shift = 0; shift < 70; shift += 7) {
      if (pos_ == end_) {
        fail("truncated varint");
        return 0;
      }
      auto byte = *pos_++;
      if (shift == 63 && byte > 1) {
        fail("varint overflows 64 bits");
        return 0;
      }
      x |= static_cast<uint64_t>(byte & 0x7f) << shift;
      if ((byte & 0x80) == 0)
        return x;
    }
    fail("varint longer than 10 bytes");
    return 0;
  }

  std::pair<const uint8_t*, size_t> blob() {
    auto n = uv();
    if (err_)
      return {nullptr, 0};
    if (n > static_cast<uint64_t>(end_ - pos_)) {
      fail("field longer than the frame");
      return {nullptr, 0};
    }
    auto* first = pos_;
    pos_ += n;
    return {first, static_cast<size_t>(n)};
  }

  std::string_view str() {
    auto [data, size] = blob();
    return {reinterpret_cast<const char*>(data), size};
  }

  // A count of items that take at least `min_item` bytes each.
  uint64_t count(size_t min_item) {
    auto n = uv();
    if (err_)
      return 0;
    if (n > static_cast<uint64_t>(end_ - pos_) / min_item) {
      fail("more items announced than the frame holds");
      return 0;
    }
    return n;
  }

  std::vector<std::string> strs() {
    std::vector<std::string> xs;
    auto n = count(1);
    xs.reserve(n);
    for (uint64_t i = 0; i < n && !err_; ++i)
      xs.emplace_back(str());
    return xs;
  }

  // The error, or one for bytes left after the last field.
  caf::error finish() {
    if (!err_ && pos_ != end_)
      fail("bytes after the last field");
    return std::move(err_);
  }

  bool failed() const { return static_cast<bool>(err_); }

private:
  void fail(const char* what) {
    if (!err_)
      err_ = malformed(what);
  }

  const uint8_t* pos_;
  const uint8_t* end_;
  caf::error err_;
};

template <class T>
caf::expected<std::decay_t<T>> done(body_reader& in, T&& x) {
  if (auto err = in.finish())
    return err;
  return std::forward<T>(x);
}

} // namespace

// -- preamble -----------------------------------------------------------------

bytes preamble() {
  return {magic[0],     magic[1],       magic[2], magic[3],
          link_version, lowest_version, 0,        0};
}

preamble_check check_preamble(const uint8_t* data, size_t size,
                              uint8_t& version) {
  if (size == 0)
    return preamble_check::incomplete;
  if (size >= 1 && data[0] == 0x16) {
    if (size == 1)
      return preamble_check::incomplete;
    if (data[1] == 0x03)
      return preamble_check::tls_peer;
  }
  auto n = std::min(size, magic.size());
  if (std::memcmp(data, magic.data(), n) != 0)
    return preamble_check::foreign;
  if (size < preamble_size)
    return preamble_check::incomplete;
  auto their_high = data[4];
  auto their_low = data[5];
  if (their_low > link_version || their_high < lowest_version)
    return preamble_check::no_common_version;
  version = std::min(their_high, link_version);
  return preamble_check::ok;
}

bool looks_like_preamble(const uint8_t* data, size_t size) {
  return data != nullptr && size >= magic.size()
         && std::memcmp(data, magic.data(), magic.size()) == 0;
}

// -- writing ------------------------------------------------------------------

void write_hello(bytes& out, const hello& x) {
  write_frame(out, frame_type::hello, [&] {
    put_str(out, x.name);
    put_uv(out, x.incarnation);
    put_str(out, x.endpoint);
    put_uv(out, x.max_frame);
    put_uv(out, x.window_messages);
    put_uv(out, x.window_bytes);
    put_uv(out, x.heartbeat_ms);
    put_strs(out, x.topics);
    put_strs(out, x.links);
  });
}

void write_refuse(bytes& out, end_code code, std::string_view reason) {
  write_frame(out, frame_type::refuse, [&] {
    put_uv(out, static_cast<uint64_t>(code));
    put_str(out, reason);
  });
}

void write_bye(bytes& out, end_code code, std::string_view reason) {
  write_frame(out, frame_type::bye, [&] {
    put_uv(out, static_cast<uint64_t>(code));
    put_str(out, reason);
  });
}

void write_ack(bytes& out, const acknowledgement& x) {
  write_frame(out, frame_type::ack, [&] {
    put_uv(out, x.messages);
    put_uv(out, x.bytes);
  });
}

void write_snap_req(bytes& out, const snapshot_request& x) {
  write_frame(out, frame_type::snap_req, [&] {
    put_uv(out, x.id);
    put_str(out, x.topic);
  });
}

void write_ping(bytes& out, uint64_t nonce) {
  write_frame(out, frame_type::ping, [&] { put_uv(out, nonce); });
}

void write_pong(bytes& out, uint64_t nonce) {
  write_frame(out, frame_type::pong, [&] { put_uv(out, nonce); });
}

void write_links(bytes& out, const std::vector<std::string>& names) {
  write_frame(out, frame_type::links, [&] { put_strs(out, names); });
}

void write_topics(bytes& out, const std::vector<std::string>& topics) {
  write_frame(out, frame_type::topics, [&] { put_strs(out, topics); });
}

void write_snap_part(bytes& out, uint64_t id, uint64_t stored_at,
                     uint64_t total, uint64_t offset, const uint8_t* data,
                     size_t size) {
  write_frame(out, frame_type::snap_part, [&] {
    put_uv(out, id);
    put_uv(out, stored_at);
    put_uv(out, total);
    put_uv(out, offset);
    put_blob(out, data, size);
  });
}

batch_writer::batch_writer(bytes& out, frame_type type)
  : out_(out), start_(open_frame(out, type)) {
  // Room for the count, patched in by `finish`: a varint of at most 5 bytes
  // (counts stay far below 2^35), padded so its size is fixed.
  out_.resize(out_.size() + 5);
}

void batch_writer::add(std::string_view topic, std::string_view origin,
                       uint64_t incarnation, uint64_t seq,
                       const uint8_t* payload, size_t payload_size) {
  put_str(out_, topic);
  put_str(out_, origin);
  put_uv(out_, incarnation);
  put_uv(out_, seq);
  put_blob(out_, payload, payload_size);
  ++count_;
}

void batch_writer::finish() {
  if (count_ == 0) {
    out_.resize(start_);
    return;
  }
  // A padded varint: continuation bits on the first four bytes.
  auto* at = out_.data() + start_ + frame_header_size;
  auto n = static_cast<uint64_t>(count_);
  for (int i = 0; i < 4; ++i, n >>= 7)
    at[i] = static_cast<uint8_t>((n & 0x7f) | 0x80);
  at[4] = static_cast<uint8_t>(n & 0x7f);
  close_frame(out_, start_);
}

size_t message_overhead(std::string_view topic, std::string_view origin) {
  // Four length or number varints of at most 10 bytes, and the strings.
  return 40 + topic.size() + origin.size();
}

// -- reading ------------------------------------------------------------------

void frame_reader::feed(const uint8_t* data, size_t size) {
  // Drops what was consumed before growing, so the buffer holds at most one
  // partial frame plus what just arrived.
  if (pos_ > 0 && (pos_ == buf_.size() || pos_ >= buf_.size() / 2)) {
    buf_.erase(buf_.begin(), buf_.begin() + static_cast<ptrdiff_t>(pos_));
    pos_ = 0;
  }
  buf_.insert(buf_.end(), data, data + size);
}

caf::expected<std::optional<frame_view>> frame_reader::next() {
  auto available = buf_.size() - pos_;
  if (available < 4)
    return std::optional<frame_view>{};
  auto* at = buf_.data() + pos_;
  auto length = (uint64_t{at[0]} << 24) | (uint64_t{at[1]} << 16)
                | (uint64_t{at[2]} << 8) | uint64_t{at[3]};
  if (length == 0)
    return malformed("a frame of length 0");
  if (length > limit_)
    return caf::make_error(ec::decode_failed,
                           "p2p frame: " + std::to_string(length)
                             + " bytes exceed the limit of "
                             + std::to_string(limit_));
  if (available < 4 + length)
    return std::optional<frame_view>{};
  pos_ += 4 + length;
  return std::optional<frame_view>{
    frame_view{at[4], at + frame_header_size, static_cast<size_t>(length - 1)}};
}

caf::expected<hello> decode_hello(const uint8_t* body, size_t size) {
  body_reader in{body, size};
  hello x;
  x.name = std::string{in.str()};
  x.incarnation = in.uv();
  x.endpoint = std::string{in.str()};
  x.max_frame = in.uv();
  x.window_messages = in.uv();
  x.window_bytes = in.uv();
  x.heartbeat_ms = in.uv();
  x.topics = in.strs();
  x.links = in.strs();
  return done(in, std::move(x));
}

caf::expected<ending> decode_ending(const uint8_t* body, size_t size) {
  body_reader in{body, size};
  ending x;
  x.code = in.uv();
  x.reason = std::string{in.str()};
  return done(in, std::move(x));
}

caf::expected<acknowledgement> decode_ack(const uint8_t* body, size_t size) {
  body_reader in{body, size};
  acknowledgement x;
  x.messages = in.uv();
  x.bytes = in.uv();
  return done(in, x);
}

caf::expected<snapshot_request> decode_snap_req(const uint8_t* body,
                                                size_t size) {
  body_reader in{body, size};
  snapshot_request x;
  x.id = in.uv();
  x.topic = std::string{in.str()};
  return done(in, std::move(x));
}

caf::expected<part_view> decode_snap_part(const uint8_t* body, size_t size) {
  body_reader in{body, size};
  part_view x;
  x.id = in.uv();
  x.stored_at = in.uv();
  x.total = in.uv();
  x.offset = in.uv();
  std::tie(x.data, x.size) = in.blob();
  if (!in.failed()
      && (x.offset > x.total || x.size > x.total - x.offset
          || x.size > max_part_size))
    return malformed("a snapshot part outside its snapshot");
  return done(in, x);
}

caf::expected<uint64_t> decode_nonce(const uint8_t* body, size_t size) {
  body_reader in{body, size};
  auto x = in.uv();
  return done(in, x);
}

caf::expected<std::vector<std::string>> decode_links(const uint8_t* body,
                                                     size_t size) {
  body_reader in{body, size};
  auto xs = in.strs();
  return done(in, std::move(xs));
}

caf::error decode_batch(const uint8_t* body, size_t size,
                        std::vector<message_view>& out) {
  out.clear();
  body_reader in{body, size};
  // Each message takes at least five bytes: four empty fields and a seq.
  auto n = in.count(5);
  out.reserve(n);
  for (uint64_t i = 0; i < n && !in.failed(); ++i) {
    message_view x;
    x.topic = in.str();
    x.origin = in.str();
    x.incarnation = in.uv();
    x.seq = in.uv();
    std::tie(x.payload, x.payload_size) = in.blob();
    out.push_back(x);
  }
  auto err = in.finish();
  if (err)
    out.clear();
  return err;
}

} // namespace podshare::net::p2p
