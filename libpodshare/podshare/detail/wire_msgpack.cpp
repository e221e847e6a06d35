#include "podshare/detail/wire_msgpack.hpp"

#include "podshare/detail/decode_failure.hpp"
#include "podshare/error.hpp"
#include "podshare/wire.hpp"

#include <algorithm>
#include <cstring>
#include <exception>
#include <limits>
#include <map>
#include <memory>
#include <string>
#include <string_view>

namespace podshare::detail {

namespace {

using packer = msgpack::packer<bytes_writer>;

// The fields of an envelope map, looked up once. Nil counts as absent, and of
// repeated names the last wins; other keys are ignored.
struct fields {
  enum id : size_t {
    v,
    kind,
    key,
    value,
    origin,
    timestamp,
    seq,
    inc,
    tombstone,
    entries,
    vv,
    count
  };

  static constexpr const char* names[count]
    = {"v",   "kind", "key",       "value",   "origin", "timestamp",
       "seq", "inc",  "tombstone", "entries", "vv"};

  const msgpack::object* values[count] = {};
  bool present[count] = {};

  explicit fields(const msgpack::object& map) {
    for (uint32_t i = 0; i < map.via.map.size; ++i) {
      const auto& kv = map.via.map.ptr[i];
      for (size_t j = 0; kv.key.type == msgpack::type::STR && j < count; ++j)
        if (std::string_view{kv.key.via.str.ptr, kv.key.via.str.size}
            == names[j]) {
          present[j] = true;
          values[j] = kv.val.type == msgpack::type::NIL ? nullptr : &kv.val;
        }
    }
  }

  caf::error read_uint(id name, uint64_t& out) const {
    if (auto x = values[name]; x != nullptr) {
      if (x->type != msgpack::type::POSITIVE_INTEGER)
        return fail_field(names[name], "is not an unsigned integer");
      out = x->via.u64;
    }
    return {};
  }

  caf::error read_string(id name, std::string& out) const {
    auto x = values[name];
    if (x == nullptr)
      return fail_field(names[name], "is missing");
    if (x->type != msgpack::type::STR)
      return fail_field(names[name], "is not a string");
    out.assign(x->via.str.ptr, x->via.str.size);
    return {};
  }

  caf::error read_value(bytes& out) const {
    if (auto x = values[value]; x != nullptr) {
      if (x->type != msgpack::type::BIN)
        return fail_field("value", "is not bin");
      auto first = reinterpret_cast<const uint8_t*>(x->via.bin.ptr);
      out.assign(first, first + x->via.bin.size);
    }
    return {};
  }

  // msgpack-cxx reports every non-negative integer as POSITIVE_INTEGER,
  // whatever width the sender chose.
  caf::error read_timestamp(int64_t& out) const {
    auto x = values[timestamp];
    if (x == nullptr)
      return fail_field("timestamp", "is missing");
    if (x->type == msgpack::type::NEGATIVE_INTEGER)
      out = x->via.i64;
    else if (x->type == msgpack::type::POSITIVE_INTEGER
             && x->via.u64 <= std::numeric_limits<int64_t>::max())
      out = static_cast<int64_t>(x->via.u64);
    else
      return fail_field("timestamp", "is not an int64");
    return {};
  }

  caf::error read_version(version& out) const {
    if (auto err = read_string(origin, out.origin))
      return err;
    if (auto err = read_timestamp(out.timestamp))
      return err;
    if (auto err = read_uint(inc, out.incarnation))
      return err;
    return read_uint(seq, out.seq);
  }

  caf::error check_version() const {
    uint64_t proto = 0;
    if (auto err = read_uint(v, proto))
      return err;
    if (proto > wire::protocol_version)
      return caf::make_error(ec::unsupported_protocol_version,
                             "v " + std::to_string(proto));
    return {};
  }
};

// Same order of checks as the JSON decoder: version, kind, then the rest.
caf::error decode_event(const msgpack::object& obj, event& out) {
  if (obj.type != msgpack::type::MAP)
    return fail("an event is not a map");
  fields f{obj};
  if (auto err = f.check_version())
    return err;
  std::string kind;
  if (auto err = f.read_string(fields::kind, kind))
    return err;
  if (auto err = from_string(kind, out.kind))
    return err;
  if (auto err = f.read_string(fields::key, out.key))
    return err;
  if (auto err = f.read_value(out.value))
    return err;
  if (out.kind == event_kind::erase)
    out.value.clear();
  return f.read_version(out.version);
}

void pack_str(packer& pk, std::string_view x) {
  pk.pack_str(static_cast<uint32_t>(x.size()));
  pk.pack_str_body(x.data(), static_cast<uint32_t>(x.size()));
}

void pack_bin(packer& pk, const bytes& x) {
  pk.pack_bin(static_cast<uint32_t>(x.size()));
  pk.pack_bin_body(reinterpret_cast<const char*>(x.data()),
                   static_cast<uint32_t>(x.size()));
}

// The fields `pack_version` writes.
uint32_t version_fields(uint64_t incarnation) {
  return incarnation != 0 ? 4 : 3;
}

// Field order does not matter in a map; this one mirrors the JSON event.
void pack_version(packer& pk, int64_t timestamp, std::string_view origin,
                  uint64_t seq, uint64_t incarnation) {
  pack_str(pk, "origin");
  pack_str(pk, origin);
  pack_str(pk, "timestamp");
  pk.pack_int64(timestamp);
  pack_str(pk, "seq");
  pk.pack_uint64(seq);
  if (incarnation != 0) {
    pack_str(pk, "inc");
    pk.pack_uint64(incarnation);
  }
}

void pack_version(packer& pk, const version& x) {
  pack_version(pk, x.timestamp, x.origin, x.seq, x.incarnation);
}

void pack_event(packer& pk, const event& x) {
  bool has_value = x.kind == event_kind::set;
  pk.pack_map((has_value ? 4 : 3) + version_fields(x.version.incarnation));
  pack_str(pk, "v");
  pk.pack_uint64(wire::protocol_version);
  pack_str(pk, "kind");
  pack_str(pk, to_string(x.kind));
  pack_str(pk, "key");
  pack_str(pk, x.key);
  if (has_value) {
    pack_str(pk, "value");
    pack_bin(pk, x.value);
  }
  pack_version(pk, x.version);
}

// Room for an entry beyond its key and value: field names, version, headers.
constexpr size_t entry_overhead = 64;

size_t estimated_size(const std::vector<event>& xs) {
  size_t result = 32;
  for (const auto& x : xs)
    result += x.key.size() + x.value.size() + x.version.origin.size()
              + entry_overhead;
  return result;
}

// The bytes that the names of an event's required fields take ("kind",
// "key", "origin", "timestamp", with their headers): no event that decodes
// is smaller.
constexpr size_t min_event_size = 26;

// The largest zone chunk a thread keeps between decodes.
constexpr size_t max_kept_zone = size_t{1} << 20;

struct kept_zone {
  std::unique_ptr<msgpack::zone> zone;
  size_t chunk = 0;
  bool busy = false;
};

kept_zone& thread_zone() {
  thread_local kept_zone zone;
  return zone;
}

} // namespace

zone_lease::zone_lease(size_t chunk) {
  chunk = std::min(chunk, max_kept_zone);
  auto& kept = thread_zone();
  if (kept.busy) {
    own_ = std::make_unique<msgpack::zone>(chunk);
    zone_ = own_.get();
    return;
  }
  if (!kept.zone || kept.chunk < chunk) {
    kept.zone = std::make_unique<msgpack::zone>(chunk);
    kept.chunk = chunk;
  }
  kept.busy = true;
  zone_ = kept.zone.get();
}

zone_lease::~zone_lease() {
  if (own_)
    return;
  zone_->clear();
  thread_zone().busy = false;
}

caf::error unpack_whole(const uint8_t* data, size_t size, msgpack::zone& zone,
                        msgpack::object& out) {
  if (size == 0)
    return fail("empty message");
  msgpack::unpack_limit limit{size, size, size, size, size, max_msgpack_depth};
  size_t offset = 0;
  try {
    bool referenced = false;
    out = msgpack::unpack(
      zone, reinterpret_cast<const char*>(data), size, offset, referenced,
      [](msgpack::type::object_type, size_t, void*) { return true; }, nullptr,
      limit);
  } catch (const msgpack::insufficient_bytes&) {
    return fail("truncated msgpack");
  } catch (const std::exception& ex) {
    return fail(std::string{"malformed msgpack: "} + ex.what());
  }
  if (offset != size)
    return fail("trailing bytes after msgpack object");
  return {};
}

bytes encode_msgpack_events(const std::vector<event>& changes) {
  bytes buf;
  buf.reserve(estimated_size(changes));
  if (changes.size() == 1) {
    append_msgpack_event(buf, changes.front());
    return buf;
  }
  begin_msgpack_batch(buf);
  for (const auto& x : changes)
    append_msgpack_event(buf, x);
  end_msgpack_batch(buf, static_cast<uint32_t>(changes.size()));
  return buf;
}

void append_msgpack_event(bytes& out, const event& change) {
  pack_into(out, [&](packer& pk) { pack_event(pk, change); });
}

void begin_msgpack_batch(bytes& buf) {
  buf.insert(buf.end(), msgpack_batch_header_size, 0);
}

void end_msgpack_batch(bytes& buf, uint32_t count) {
  buf[0] = 0xdd; // array32
  for (size_t i = 0; i < 4; ++i)
    buf[1 + i] = static_cast<uint8_t>(count >> (24 - 8 * i));
}

caf::error decode_msgpack_events(const uint8_t* data, size_t size,
                                 std::vector<event>& out) {
  // The objects take about three times the bytes (an event map of seven
  // fields is fifteen 24-byte objects); strings and binaries are referenced.
  zone_lease zone{4 * size + 256};
  msgpack::object obj;
  if (auto err = unpack_whole(data, size, zone.get(), obj))
    return err;
  if (obj.type != msgpack::type::MAP && obj.type != msgpack::type::ARRAY)
    return fail("neither an event nor a batch");
  bool batch = obj.type == msgpack::type::ARRAY;
  auto first = batch ? obj.via.array.ptr : &obj;
  auto count = batch ? obj.via.array.size : 1u;
  // Bounded by what the bytes can hold, so that a forged batch of nils
  // cannot allocate for events it does not have.
  out.reserve(out.size() + std::min<size_t>(count, size / min_event_size));
  for (uint32_t i = 0; i < count; ++i) {
    // A batch applies atomically, so one bad event fails all of it.
    if (auto err = decode_event(first[i], out.emplace_back()))
      return err;
  }
  return {};
}

// The entry count is a map32 header written last: a walk does not know it
// up front. msgpack lets any count use the 32-bit form.
size_t begin_msgpack_snapshot(bytes& buf) {
  pack_into(buf, [](packer& pk) {
    pk.pack_map(2);
    pack_str(pk, "v");
    pk.pack_uint64(wire::protocol_version);
    pack_str(pk, "entries");
  });
  buf.push_back(0xdf); // map32
  auto count_at = buf.size();
  buf.insert(buf.end(), 4, 0);
  return count_at;
}

void add_msgpack_snapshot_entry(bytes& buf, const wire::entry_view& x) {
  pack_into(buf, [&](packer& pk) {
    pack_str(pk, x.key);
    pk.pack_map(1 + version_fields(x.incarnation));
    if (x.tombstone()) {
      pack_str(pk, "tombstone");
      pk.pack_true();
    } else {
      pack_str(pk, "value");
      pack_bin(pk, *x.value);
    }
    pack_version(pk, x.timestamp, x.origin, x.seq, x.incarnation);
  });
}

void end_msgpack_snapshot(bytes& buf, size_t count_at, size_t count,
                          const std::vector<applied_writes>& applied) {
  auto n = static_cast<uint32_t>(count);
  for (int i = 0; i < 4; ++i)
    buf[count_at + static_cast<size_t>(i)]
      = static_cast<uint8_t>(n >> (24 - 8 * i));
  if (applied.empty())
    return;
  buf[0] = 0x83; // the root fixmap `begin` wrote gains "vv"
  pack_into(buf, [&](packer& pk) {
    pack_str(pk, "vv");
    pack_msgpack_applied(pk, applied);
  });
}

void pack_msgpack_applied(packer& pk,
                          const std::vector<applied_writes>& applied) {
  pk.pack_array(static_cast<uint32_t>(applied.size()));
  for (const auto& x : applied) {
    pk.pack_array(3);
    pack_str(pk, x.origin);
    pk.pack_uint64(x.incarnation);
    pk.pack_uint64(x.seq);
  }
}

caf::error read_msgpack_applied(const msgpack::object& x, const char* name,
                                std::vector<applied_writes>& out) {
  out.clear();
  if (x.type != msgpack::type::ARRAY)
    return fail_field(name, "is not a list of [origin, inc, seq]");
  out.reserve(x.via.array.size);
  for (uint32_t i = 0; i < x.via.array.size; ++i) {
    const auto& item = x.via.array.ptr[i];
    if (item.type != msgpack::type::ARRAY || item.via.array.size != 3
        || item.via.array.ptr[0].type != msgpack::type::STR
        || item.via.array.ptr[1].type != msgpack::type::POSITIVE_INTEGER
        || item.via.array.ptr[2].type != msgpack::type::POSITIVE_INTEGER)
      return fail_field(name, "is not a list of [origin, inc, seq]");
    const auto* f = item.via.array.ptr;
    out.push_back({std::string{f[0].via.str.ptr, f[0].via.str.size},
                   f[1].via.u64, f[2].via.u64});
  }
  return {};
}

caf::expected<std::vector<event>>
decode_msgpack_snapshot(const uint8_t* data, size_t size,
                        std::vector<applied_writes>& applied) {
  zone_lease zone{4 * size + 256};
  msgpack::object obj;
  if (auto err = unpack_whole(data, size, zone.get(), obj))
    return err;
  if (obj.type != msgpack::type::MAP)
    return fail("a snapshot is not a map");
  fields root{obj};
  if (auto err = root.check_version())
    return err;
  if (!root.present[fields::entries])
    return fail_field("entries", "is missing");
  if (auto vv = root.values[fields::vv])
    if (auto err = read_msgpack_applied(*vv, "vv", applied))
      return err;
  std::vector<event> result;
  if (auto entries = root.values[fields::entries]) {
    if (entries->type != msgpack::type::MAP)
      return fail_field("entries", "is not a map");
    // The map is decoded already: its size is no forged length.
    result.reserve(entries->via.map.size);
    for (uint32_t i = 0; i < entries->via.map.size; ++i) {
      const auto& kv = entries->via.map.ptr[i];
      if (kv.key.type != msgpack::type::STR)
        return fail("a snapshot key is not a string");
      if (kv.val.type != msgpack::type::MAP)
        return fail("a snapshot entry is not a map");
      fields f{kv.val};
      event x;
      x.key.assign(kv.key.via.str.ptr, kv.key.via.str.size);
      bool tombstone = false;
      if (auto flag = f.values[fields::tombstone]) {
        if (flag->type != msgpack::type::BOOLEAN)
          return fail_field("tombstone", "is not a boolean");
        tombstone = flag->via.boolean;
      }
      x.kind = tombstone ? event_kind::erase : event_kind::set;
      if (auto err = f.read_value(x.value))
        return err;
      if (tombstone)
        x.value.clear();
      if (auto err = f.read_version(x.version))
        return err;
      result.push_back(std::move(x));
    }
  }
  return result;
}

} // namespace podshare::detail
