#pragma once

#include "podshare/bytes.hpp"
#include "podshare/event.hpp"
#include "podshare/wire.hpp"

#include <caf/error.hpp>
#include <caf/expected.hpp>

#include <msgpack.hpp>

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <vector>

/// The msgpack form of the wire envelope (spec §10). `podshare/wire.hpp`
/// dispatches here; `podshare/codec.hpp` reuses `unpack_whole` and
/// `zone_lease`.
namespace podshare::detail {

/// A msgpack-cxx output stream that appends to `out`. It stages what is
/// packed in a small array and copies it over in one insert when the array
/// fills or at `flush`: a message is packed in many small pieces (a type
/// byte, a length, a field name), and appending each to a vector costs
/// several times the packing. Pieces larger than the array go straight to
/// `out`. No intermediate heap buffer (an `sbuffer` starts at 8 KiB).
/// Use it through `pack_into`, which flushes it when packing is done.
class bytes_writer {
public:
  explicit bytes_writer(bytes& out) noexcept : out_(out) {}

  bytes_writer(const bytes_writer&) = delete;
  bytes_writer& operator=(const bytes_writer&) = delete;

  void write(const char* data, size_t size) {
    if (size == 0)
      return; // an empty string or binary may come with a null `data`
    if (size > stage_.size() - staged_) {
      flush();
      if (size > stage_.size()) {
        auto first = reinterpret_cast<const uint8_t*>(data);
        out_.insert(out_.end(), first, first + size);
        return;
      }
    }
    std::memcpy(stage_.data() + staged_, data, size);
    staged_ += size;
  }

  /// Appends what is staged to `out`.
  void flush() {
    out_.insert(out_.end(), stage_.data(), stage_.data() + staged_);
    staged_ = 0;
  }

private:
  bytes& out_;
  size_t staged_ = 0;
  // Holds a typical event (16-byte key, 64-byte value) whole.
  std::array<uint8_t, 256> stage_;
};

/// Appends to `out` what `pack` packs with the
/// `msgpack::packer<bytes_writer>&` it is given.
template <class Pack>
void pack_into(bytes& out, Pack&& pack) {
  bytes_writer writer{out};
  msgpack::packer<bytes_writer> packer{writer};
  pack(packer);
  writer.flush();
}

/// The deepest nesting of arrays and maps that `unpack_whole` accepts.
constexpr size_t max_msgpack_depth = 128;

/// A msgpack zone for one decode, reused by the thread's next decode. A
/// receiving store decodes message after message and value after value: a
/// fresh zone for each (a few hundred KiB for a batch of 1,000 events) and
/// its free made glibc consolidate its fastbins again and again. Each thread
/// keeps one zone instead (up to 1 MiB), cleared after every use and
/// replaced by a larger one when a decode asks for more; a nested decode
/// gets a zone of its own.
class zone_lease {
public:
  /// Leases a zone whose first chunk holds at least `chunk` bytes (or
  /// 1 MiB; it grows beyond as a zone does).
  explicit zone_lease(size_t chunk);
  zone_lease(const zone_lease&) = delete;
  zone_lease& operator=(const zone_lease&) = delete;
  ~zone_lease();

  msgpack::zone& get() noexcept { return *zone_; }

private:
  std::unique_ptr<msgpack::zone> own_; // only for a nested decode
  msgpack::zone* zone_ = nullptr;
};

/// Unpacks exactly one msgpack object spanning all `size` bytes. Never
/// throws. msgpack-cxx allocates an array's or map's elements when it reads
/// the header, so the element counts are capped by `size` (every element
/// takes at least one byte): a forged length cannot allocate more than a
/// small multiple of the input. The objects live in `zone`; strings,
/// binaries and extensions in `out` point into `data`: `out` is valid only
/// while both are.
/// @returns `ec::decode_failed` with a reason on truncated, malformed or
///          overlong input.
caf::error unpack_whole(const uint8_t* data, size_t size, msgpack::zone& zone,
                        msgpack::object& out);

/// Encodes one change as an event map, several as a batch (an array).
bytes encode_msgpack_events(const std::vector<event>& changes);

/// Appends one change, encoded as an event map, to `out`.
void append_msgpack_event(bytes& out, const event& change);

/// The bytes `begin_msgpack_batch` reserves for a batch's array header.
constexpr size_t msgpack_batch_header_size = 5;

/// Starts a batch in the empty `buf` with room for its array header, which
/// `end_msgpack_batch` fills in once the count is known. The header is
/// always an array32 (valid msgpack, if not the shortest form), so that a
/// batch is encoded in one pass and never copied to put a header in front.
void begin_msgpack_batch(bytes& buf);

/// Writes the header of the batch that `begin_msgpack_batch` started in
/// `buf`, which now holds `count` event maps after it.
void end_msgpack_batch(bytes& buf, uint32_t count);

/// Packs a version vector as an array of [origin, incarnation, seq].
void pack_msgpack_applied(msgpack::packer<bytes_writer>& pk,
                          const std::vector<applied_writes>& applied);

/// Reads what `pack_msgpack_applied` packs; `name` is the field's name in
/// errors.
caf::error read_msgpack_applied(const msgpack::object& x, const char* name,
                                std::vector<applied_writes>& out);

/// Decodes a msgpack event map or batch array, appending to `out`; on
/// failure `out` may hold some of the events.
caf::error decode_msgpack_events(const uint8_t* data, size_t size,
                                 std::vector<event>& out);

/// Starts a snapshot map in `buf` with room for its entry count; returns
/// where the count goes.
size_t begin_msgpack_snapshot(bytes& buf);

/// Appends one entry to a snapshot begun in `buf`.
void add_msgpack_snapshot_entry(bytes& buf, const wire::entry_view& x);

/// Writes the entry count of a snapshot begun in `buf` at `count_at`, and
/// `applied` as its `vv` field unless empty.
void end_msgpack_snapshot(bytes& buf, size_t count_at, size_t count,
                          const std::vector<applied_writes>& applied);

/// Decodes a msgpack snapshot map, entries in the order of the message, its
/// `vv` into `applied`. A key that occurs twice comes out twice: the
/// store's last-write-wins picks the winner when it applies them.
caf::expected<std::vector<event>>
decode_msgpack_snapshot(const uint8_t* data, size_t size,
                        std::vector<applied_writes>& applied);

} // namespace podshare::detail
