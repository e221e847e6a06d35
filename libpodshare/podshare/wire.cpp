#include "podshare/wire.hpp"

#include "podshare/detail/wire_json.hpp"
#include "podshare/detail/wire_msgpack.hpp"
#include "podshare/error.hpp"

namespace podshare::wire {

namespace {

/// Skips leading ASCII whitespace: JSON allows it; a msgpack message never
/// starts with it.
void skip_space(const uint8_t*& data, size_t& size) {
  while (size > 0
         && (*data == ' ' || *data == '\t' || *data == '\n' || *data == '\r')) {
    ++data;
    --size;
  }
}

caf::error not_an_envelope(size_t size) {
  return caf::make_error(ec::decode_failed, size == 0
                                              ? "empty message"
                                              : "neither JSON nor msgpack");
}

} // namespace

std::optional<format> format_of(const uint8_t* data, size_t size) {
  skip_space(data, size);
  if (size == 0)
    return std::nullopt;
  auto c = *data;
  if (c == '{' || c == '[')
    return format::json;
  // fixmap 0x80-0x8f, fixarray 0x90-0x9f, array16/32 0xdc/0xdd, map16/32
  // 0xde/0xdf.
  if ((c >= 0x80 && c <= 0x9f) || (c >= 0xdc && c <= 0xdf))
    return format::msgpack;
  return std::nullopt;
}

const char* to_string(format x) {
  switch (x) {
    case format::msgpack: return "msgpack";
    case format::json: return "json";
  }
  return "unknown";
}

bytes encode_events(format fmt, const std::vector<event>& changes) {
  switch (fmt) {
    case format::msgpack: return detail::encode_msgpack_events(changes);
    case format::json: return detail::encode_json_events(changes);
  }
  return {};
}

void msgpack_outbox::add(const event& change) {
  if (count_ == 0)
    detail::begin_msgpack_batch(body_);
  detail::append_msgpack_event(body_, change);
  ++count_;
}

bytes msgpack_outbox::take() {
  bytes result;
  if (count_ == 1) {
    // A lone change leaves as an event; the buffer stays for the next.
    result.assign(body_.begin() + detail::msgpack_batch_header_size,
                  body_.end());
    body_.clear();
  } else if (count_ > 1) {
    // The batch leaves without a copy; the next one gets this one's size
    // up front rather than growing to it again.
    detail::end_msgpack_batch(body_, static_cast<uint32_t>(count_));
    auto capacity = body_.size();
    result = std::move(body_);
    body_ = bytes{};
    body_.reserve(capacity);
  }
  count_ = 0;
  return result;
}

caf::expected<std::vector<event>> decode_events(const uint8_t* data,
                                                size_t size) {
  std::vector<event> result;
  if (auto err = decode_events(data, size, result))
    return err;
  return result;
}

caf::error decode_events(const uint8_t* data, size_t size,
                         std::vector<event>& out) {
  out.clear();
  caf::error err;
  auto fmt = format_of(data, size);
  skip_space(data, size);
  if (!fmt) {
    err = not_an_envelope(size);
  } else if (*fmt == format::json) {
    if (auto xs = detail::decode_json_events(data, size))
      out = std::move(*xs);
    else
      err = std::move(xs.error());
  } else {
    err = detail::decode_msgpack_events(data, size, out);
  }
  if (err)
    out.clear();
  return err;
}

bytes encode_snapshot(format fmt, const std::vector<event>& entries,
                      const std::vector<applied_writes>& applied) {
  std::vector<entry_view> views;
  views.reserve(entries.size());
  for (auto& x : entries)
    views.push_back(entry_view{x.key,
                               x.kind == event_kind::erase ? nullptr : &x.value,
                               x.version.timestamp, x.version.origin,
                               x.version.seq, x.version.incarnation});
  return encode_snapshot(fmt, views, applied);
}

bytes encode_snapshot(format fmt, const std::vector<entry_view>& entries,
                      const std::vector<applied_writes>& applied) {
  // Sized up front: growing a buffer of megabytes copies it again and again.
  size_t estimate = 64;
  for (const auto& x : entries)
    estimate += x.key.size() + (x.tombstone() ? 0 : x.value->size() * 4 / 3)
                + x.origin.size() + 64;
  snapshot_writer writer{fmt, estimate};
  for (const auto& x : entries)
    writer.add(x);
  return writer.finish(applied);
}

snapshot_writer::snapshot_writer(format fmt, size_t reserve) : fmt_(fmt) {
  buf_.reserve(reserve);
  if (fmt_ == format::msgpack)
    count_at_ = detail::begin_msgpack_snapshot(buf_);
  else
    detail::begin_json_snapshot(buf_);
}

void snapshot_writer::add(const entry_view& x) {
  if (fmt_ == format::msgpack)
    detail::add_msgpack_snapshot_entry(buf_, x);
  else
    detail::add_json_snapshot_entry(buf_, x, count_ == 0);
  ++count_;
}

bytes snapshot_writer::finish(const std::vector<applied_writes>& applied) {
  if (fmt_ == format::msgpack)
    detail::end_msgpack_snapshot(buf_, count_at_, count_, applied);
  else
    detail::end_json_snapshot(buf_, applied);
  return std::move(buf_);
}

caf::expected<std::vector<event>>
decode_snapshot(const uint8_t* data, size_t size,
                std::vector<applied_writes>* applied) {
  std::vector<applied_writes> ignored;
  auto& vv = applied != nullptr ? *applied : ignored;
  vv.clear();
  auto fmt = format_of(data, size);
  skip_space(data, size);
  if (!fmt)
    return not_an_envelope(size);
  if (*fmt == format::json)
    return detail::decode_json_snapshot(data, size, vv);
  return detail::decode_msgpack_snapshot(data, size, vv);
}

} // namespace podshare::wire
