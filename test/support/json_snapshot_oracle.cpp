#include "support/json_snapshot_oracle.hpp"

#include "podshare/detail/base64.hpp"
#include "podshare/detail/rfc3339.hpp"
#include "podshare/detail/wire_json.hpp"
#include "podshare/error.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <string>

namespace podshare::test {

namespace {

using json = nlohmann::json;
using ordered_json = nlohmann::ordered_json;

caf::error fail(std::string reason) {
  return caf::make_error(ec::decode_failed, std::move(reason));
}

caf::error fail_field(const char* name, const char* what) {
  return fail(std::string{"field '"} + name + "' " + what);
}

const json* find_field(const json& obj, const char* name) {
  auto i = obj.find(name);
  return i == obj.end() || i->is_null() ? nullptr : &*i;
}

caf::error read_uint(const json& obj, const char* name, uint64_t& out) {
  auto x = find_field(obj, name);
  if (x == nullptr)
    return {};
  if (!x->is_number_unsigned())
    return fail_field(name, "is not an unsigned integer");
  out = x->get<uint64_t>();
  return {};
}

caf::error read_string(const json& obj, const char* name, std::string& out) {
  auto x = find_field(obj, name);
  if (x == nullptr)
    return fail_field(name, "is missing");
  if (!x->is_string())
    return fail_field(name, "is not a string");
  out = x->get_ref<const std::string&>();
  return {};
}

caf::error read_value(const json& obj, bytes& out) {
  auto x = find_field(obj, "value");
  if (x == nullptr)
    return {};
  if (!x->is_string())
    return fail_field("value", "is not a string");
  auto decoded = detail::base64_decode(x->get_ref<const std::string&>());
  if (!decoded)
    return fail_field("value", "is not base64");
  out = std::move(*decoded);
  return {};
}

caf::error read_version(const json& obj, version& out) {
  if (auto err = read_string(obj, "origin", out.origin))
    return err;
  std::string text;
  if (auto err = read_string(obj, "timestamp", text))
    return err;
  auto ns = detail::parse_rfc3339(text);
  if (!ns)
    return fail_field("timestamp", "is not an RFC 3339 time");
  out.timestamp = *ns;
  if (auto err = read_uint(obj, "inc", out.incarnation))
    return err;
  return read_uint(obj, "seq", out.seq);
}

bool is_applied_writes(const json& x) {
  return x.is_array() && x.size() == 3 && x[0].is_string()
         && x[1].is_number_unsigned() && x[2].is_number_unsigned();
}

} // namespace

bytes encode_json_snapshot_dom(const std::vector<wire::entry_view>& entries) {
  auto objs = ordered_json::object();
  auto& members = objs.get_ref<ordered_json::object_t&>();
  for (const auto& x : entries) {
    ordered_json entry;
    if (!x.tombstone())
      entry["value"] = detail::base64_encode(*x.value);
    entry["timestamp"] = detail::format_rfc3339(x.timestamp);
    entry["origin"] = std::string{x.origin};
    if (x.tombstone())
      entry["tombstone"] = true;
    entry["seq"] = x.seq;
    if (x.incarnation != 0)
      entry["inc"] = x.incarnation;
    members.ordered_json::object_t::Container::emplace_back(std::string{x.key},
                                                            std::move(entry));
  }
  ordered_json doc;
  doc["v"] = wire::protocol_version;
  doc["entries"] = std::move(objs);
  auto text = doc.dump(-1, ' ', false, ordered_json::error_handler_t::replace);
  return {text.begin(), text.end()};
}

caf::expected<std::vector<event>>
decode_json_snapshot_dom(const uint8_t* data, size_t size,
                         std::vector<applied_writes>& applied) {
  applied.clear();
  json doc;
  if (auto err = detail::parse_json(data, size, doc))
    return err;
  if (!doc.is_object())
    return fail("a snapshot is not an object");
  uint64_t v = 0;
  if (auto err = read_uint(doc, "v", v))
    return err;
  if (v > wire::protocol_version)
    return caf::make_error(ec::unsupported_protocol_version,
                           "v " + std::to_string(v));
  if (!doc.contains("entries"))
    return fail_field("entries", "is missing");
  if (auto vv = find_field(doc, "vv")) {
    if (!vv->is_array()
        || !std::all_of(vv->begin(), vv->end(), is_applied_writes))
      return fail_field("vv", "is not a list of [origin, inc, seq]");
    for (const auto& x : *vv)
      applied.push_back(
        {x[0].get<std::string>(), x[1].get<uint64_t>(), x[2].get<uint64_t>()});
  }
  std::vector<event> result;
  auto entries = find_field(doc, "entries");
  if (entries == nullptr)
    return result;
  if (!entries->is_object())
    return fail_field("entries", "is not an object");
  result.reserve(entries->size());
  for (const auto& [key, obj] : entries->items()) {
    if (!obj.is_object())
      return fail("a snapshot entry is not an object");
    event x;
    x.key = key;
    bool tombstone = false;
    if (auto flag = find_field(obj, "tombstone")) {
      if (!flag->is_boolean())
        return fail_field("tombstone", "is not a boolean");
      tombstone = flag->get<bool>();
    }
    x.kind = tombstone ? event_kind::erase : event_kind::set;
    if (auto err = read_value(obj, x.value))
      return err;
    if (tombstone)
      x.value.clear();
    if (auto err = read_version(obj, x.version))
      return err;
    result.push_back(std::move(x));
  }
  return result;
}

} // namespace podshare::test
