#include "podshare/callreply/envelope.hpp"

#include "podshare/detail/base64.hpp"
#include "podshare/detail/wire_json.hpp"
#include "podshare/error.hpp"

#include <nlohmann/json.hpp>

namespace podshare::callreply {

namespace {

using json = nlohmann::json;

template <class T>
void put_if(json& out, const char* name, const T& x, bool present) {
  if (present)
    out[name] = x;
}

caf::error bad(const std::string& what) {
  return caf::make_error(ec::decode_failed, "callreply envelope: " + what);
}

// Reads the optional string field `name` into `out`.
caf::error read_string(const json& in, const char* name, std::string& out) {
  auto i = in.find(name);
  if (i == in.end() || i->is_null())
    return caf::none;
  if (!i->is_string())
    return bad(std::string{name} + " is not a string");
  out = i->get<std::string>();
  return caf::none;
}

caf::error read_bytes(const json& in, const char* name, bytes& out) {
  std::string text;
  if (auto err = read_string(in, name, text))
    return err;
  auto decoded = detail::base64_decode(text);
  if (!decoded)
    return bad(std::string{name} + " is not base64");
  out = std::move(*decoded);
  return caf::none;
}

caf::error read_int(const json& in, const char* name, int64_t& out) {
  auto i = in.find(name);
  if (i == in.end() || i->is_null())
    return caf::none;
  if (!i->is_number_integer())
    return bad(std::string{name} + " is not an integer");
  out = i->get<int64_t>();
  return caf::none;
}

} // namespace

std::string encode_envelope(const envelope& x) {
  json out = json::object();
  out["type"] = x.type;
  out["id"] = x.id;
  put_if(out, "reply", x.reply, !x.reply.empty());
  put_if(out, "target", x.target, !x.target.empty());
  put_if(out, "method", x.method, !x.method.empty());
  put_if(out, "args", detail::base64_encode(x.args), !x.args.empty());
  put_if(out, "error", x.error, !x.error.empty());
  put_if(out, "result", detail::base64_encode(x.result), !x.result.empty());
  put_if(out, "deadline", x.deadline_ns, x.deadline_ns != 0);
  put_if(out, "remaining", x.remaining_ns, x.remaining_ns != 0);
  put_if(out, "code", x.code, !x.code.empty());
  put_if(out, "owner", x.owner, !x.owner.empty());
  return out.dump();
}

caf::expected<envelope> decode_envelope(const uint8_t* data, size_t size) {
  json in;
  // Bounded nesting: a hostile envelope cannot exhaust the stack.
  if (auto err = detail::parse_json(data, size, in))
    return bad("not JSON");
  if (!in.is_object())
    return bad("not a JSON object");
  envelope x;
  caf::error err;
  (err = read_string(in, "type", x.type)) || (err = read_string(in, "id", x.id))
    || (err = read_string(in, "reply", x.reply))
    || (err = read_string(in, "target", x.target))
    || (err = read_string(in, "method", x.method))
    || (err = read_bytes(in, "args", x.args))
    || (err = read_string(in, "error", x.error))
    || (err = read_bytes(in, "result", x.result))
    || (err = read_int(in, "deadline", x.deadline_ns))
    || (err = read_int(in, "remaining", x.remaining_ns))
    || (err = read_string(in, "code", x.code))
    || (err = read_string(in, "owner", x.owner));
  if (err)
    return err;
  if (x.type != "call" && x.type != "reply")
    return bad("unknown type '" + x.type.substr(0, 32) + "'");
  if (x.id.empty())
    return bad("no id");
  return x;
}

} // namespace podshare::callreply
