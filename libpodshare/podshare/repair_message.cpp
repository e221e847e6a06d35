#include "podshare/repair_message.hpp"

#include "podshare/detail/decode_failure.hpp"
#include "podshare/detail/wire_msgpack.hpp"
#include "podshare/error.hpp"
#include "podshare/wire.hpp"

#include <string_view>

namespace podshare::wire {

namespace {

using packer = msgpack::packer<detail::bytes_writer>;

constexpr const char* kind_names[] = {"digest", "request", "answer", "full"};

void pack_str(packer& pk, std::string_view x) {
  pk.pack_str(static_cast<uint32_t>(x.size()));
  pk.pack_str_body(x.data(), static_cast<uint32_t>(x.size()));
}

std::string_view str_of(const msgpack::object& x) {
  return {x.via.str.ptr, x.via.str.size};
}

} // namespace

bytes encode_repair(const repair_message& x) {
  bytes out;
  out.reserve(64 + x.from.size() + x.changes.size() + 32 * x.applied.size());
  detail::pack_into(out, [&](packer& pk) {
    pk.pack_map(7);
    pack_str(pk, "v");
    pk.pack_uint64(protocol_version);
    pack_str(pk, "repair");
    pack_str(pk, kind_names[static_cast<size_t>(x.kind)]);
    pack_str(pk, "from");
    pack_str(pk, x.from);
    pack_str(pk, "inc");
    pk.pack_uint64(x.incarnation);
    pack_str(pk, "vv");
    detail::pack_msgpack_applied(pk, x.applied);
    pack_str(pk, "ask");
    pk.pack(x.ask);
    pack_str(pk, "changes");
    pk.pack_bin(static_cast<uint32_t>(x.changes.size()));
    pk.pack_bin_body(reinterpret_cast<const char*>(x.changes.data()),
                     static_cast<uint32_t>(x.changes.size()));
  });
  return out;
}

caf::expected<repair_message> decode_repair(const uint8_t* data, size_t size) {
  detail::zone_lease zone{4 * size + 256};
  msgpack::object obj;
  if (auto err = detail::unpack_whole(data, size, zone.get(), obj))
    return err;
  if (obj.type != msgpack::type::MAP)
    return detail::fail("a repair message is not a map");
  repair_message result;
  bool has_kind = false;
  bool has_from = false;
  for (uint32_t i = 0; i < obj.via.map.size; ++i) {
    const auto& kv = obj.via.map.ptr[i];
    if (kv.key.type != msgpack::type::STR)
      continue;
    auto name = str_of(kv.key);
    const auto& val = kv.val;
    if (name == "v") {
      if (val.type != msgpack::type::POSITIVE_INTEGER)
        return detail::fail_field("v", "is not an unsigned integer");
      if (val.via.u64 > protocol_version)
        return caf::make_error(ec::unsupported_protocol_version,
                               "v " + std::to_string(val.via.u64));
    } else if (name == "repair") {
      if (val.type != msgpack::type::STR)
        return detail::fail_field("repair", "is not a string");
      has_kind = false;
      for (size_t k = 0; k < std::size(kind_names); ++k)
        if (str_of(val) == kind_names[k]) {
          result.kind = static_cast<repair_kind>(k);
          has_kind = true;
        }
      if (!has_kind)
        return caf::make_error(ec::unknown_message_kind,
                               "repair " + std::string{str_of(val)});
    } else if (name == "from") {
      if (val.type != msgpack::type::STR)
        return detail::fail_field("from", "is not a string");
      result.from = std::string{str_of(val)};
      has_from = true;
    } else if (name == "inc") {
      if (val.type != msgpack::type::POSITIVE_INTEGER)
        return detail::fail_field("inc", "is not an unsigned integer");
      result.incarnation = val.via.u64;
    } else if (name == "vv") {
      if (auto err = detail::read_msgpack_applied(val, "vv", result.applied))
        return err;
    } else if (name == "ask") {
      if (val.type != msgpack::type::BOOLEAN)
        return detail::fail_field("ask", "is not a boolean");
      result.ask = val.via.boolean;
    } else if (name == "changes") {
      if (val.type != msgpack::type::BIN)
        return detail::fail_field("changes", "is not bin");
      auto first = reinterpret_cast<const uint8_t*>(val.via.bin.ptr);
      result.changes.assign(first, first + val.via.bin.size);
    }
  }
  if (!has_kind)
    return detail::fail_field("repair", "is missing");
  if (!has_from || result.from.empty())
    return detail::fail_field("from", "is missing");
  return result;
}

std::string repair_topic(const std::string& topic) {
  return topic + ":repair";
}

std::string repair_inbox(const std::string& topic, const std::string& node) {
  return topic + ":repair:" + node;
}

} // namespace podshare::wire
