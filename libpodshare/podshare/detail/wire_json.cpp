#include "podshare/detail/wire_json.hpp"

#include "podshare/detail/base64.hpp"
#include "podshare/detail/decode_failure.hpp"
#include "podshare/detail/rfc3339.hpp"
#include "podshare/error.hpp"
#include "podshare/wire.hpp"

#include <nlohmann/json.hpp>

#include <exception>
#include <string>
#include <string_view>

namespace podshare::detail {

namespace {

using json = nlohmann::json;

// Encoding keeps insertion order, so the output reads like the spec (and
// like Go's struct-ordered output).
using ordered_json = nlohmann::ordered_json;

// Returns a present, non-null field; Go writes `null` for nil slices and
// maps, so null means "absent" throughout.
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
  auto decoded = base64_decode(x->get_ref<const std::string&>());
  if (!decoded)
    return fail_field("value", "is not base64");
  out = std::move(*decoded);
  return {};
}

caf::error read_timestamp(const json& obj, int64_t& out) {
  std::string text;
  if (auto err = read_string(obj, "timestamp", text))
    return err;
  auto ns = parse_rfc3339(text);
  if (!ns)
    return fail_field("timestamp", "is not an RFC 3339 time");
  out = *ns;
  return {};
}

caf::error check_version(const json& obj) {
  uint64_t v = 0;
  if (auto err = read_uint(obj, "v", v))
    return err;
  if (v > wire::protocol_version)
    return caf::make_error(ec::unsupported_protocol_version,
                           "v " + std::to_string(v));
  return {};
}

// Reads the version fields shared by events and snapshot entries.
caf::error read_version(const json& obj, version& out) {
  if (auto err = read_string(obj, "origin", out.origin))
    return err;
  if (auto err = read_timestamp(obj, out.timestamp))
    return err;
  if (auto err = read_uint(obj, "inc", out.incarnation))
    return err;
  return read_uint(obj, "seq", out.seq);
}

// The version comes first and the kind second: a newer peer's message may
// have other fields, and it deserves the more precise error.
caf::error decode_event(const json& obj, event& out) {
  if (!obj.is_object())
    return fail("an event is not an object");
  if (auto err = check_version(obj))
    return err;
  std::string kind;
  if (auto err = read_string(obj, "kind", kind))
    return err;
  if (auto err = from_string(kind, out.kind))
    return err;
  if (auto err = read_string(obj, "key", out.key))
    return err;
  if (auto err = read_value(obj, out.value))
    return err;
  if (out.kind == event_kind::erase)
    out.value.clear();
  return read_version(obj, out.version);
}

ordered_json encode_event(const event& x) {
  ordered_json obj;
  obj["v"] = wire::protocol_version;
  obj["kind"] = to_string(x.kind);
  obj["key"] = x.key;
  if (x.kind == event_kind::set)
    obj["value"] = base64_encode(x.value);
  obj["origin"] = x.version.origin;
  obj["timestamp"] = format_rfc3339(x.version.timestamp);
  obj["seq"] = x.version.seq;
  // Ours alone: the Go podshare ignores fields it does not know.
  if (x.version.incarnation != 0)
    obj["inc"] = x.version.incarnation;
  return obj;
}

bytes dump(const ordered_json& x) {
  auto text = x.dump(-1, ' ', false, ordered_json::error_handler_t::replace);
  return {text.begin(), text.end()};
}

} // namespace

bool depth_within_limit(const uint8_t* data, size_t size) {
  size_t depth = 0;
  bool in_string = false;
  for (size_t i = 0; i < size; ++i) {
    auto c = data[i];
    if (in_string) {
      if (c == '\\')
        ++i;
      else if (c == '"')
        in_string = false;
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth > max_json_depth)
        return false;
    } else if ((c == ']' || c == '}') && depth > 0) {
      --depth;
    }
  }
  return true;
}

caf::error parse_json(const uint8_t* data, size_t size, json& out) {
  if (!depth_within_limit(data, size))
    return fail("JSON nested too deeply");
  try {
    out = json::parse(data, data + size);
    return {};
  } catch (const std::exception& ex) {
    // nlohmann's messages are short and name the offending position, but
    // they quote the last token: cap what reaches the logs.
    return fail(std::string{ex.what()}.substr(0, 160));
  }
}

bytes encode_json_events(const std::vector<event>& changes) {
  if (changes.size() == 1)
    return dump(encode_event(changes.front()));
  auto batch = ordered_json::array();
  for (const auto& x : changes)
    batch.push_back(encode_event(x));
  return dump(batch);
}

caf::expected<std::vector<event>> decode_json_events(const uint8_t* data,
                                                     size_t size) {
  json doc;
  if (auto err = parse_json(data, size, doc))
    return err;
  if (!doc.is_object() && !doc.is_array())
    return fail("neither an event nor a batch");
  std::vector<event> result;
  if (doc.is_object()) {
    if (auto err = decode_event(doc, result.emplace_back()))
      return err;
    return result;
  }
  for (const auto& obj : doc) {
    // A batch applies atomically, so one bad event fails all of it.
    if (auto err = decode_event(obj, result.emplace_back()))
      return err;
  }
  return result;
}

} // namespace podshare::detail
