#define CAF_SUITE libpodshare.codec

#include "podshare/codec.hpp"

#include "podshare/error.hpp"

#include <caf/test/unit_test.hpp>

#include <msgpack.hpp>
#include <nlohmann/json.hpp>

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

using namespace podshare;

namespace {

// -- value types of the tests -------------------------------------------------

struct point {
  int32_t x = 0;
  int32_t y = 0;
  MSGPACK_DEFINE(x, y)
};

bool operator==(const point& a, const point& b) {
  return a.x == b.x && a.y == b.y;
}

struct limits {
  int burst = 0;
};

/// A config whose `from_json` tolerates missing `limit` and `nested`.
struct config {
  std::string name;
  int limit = 10;
  limits nested;
  std::map<std::string, int> quotas;
};

// Free functions next to the types, found by ADL: nothing global.
void to_json(nlohmann::json& j, const limits& x) {
  j = nlohmann::json{{"burst", x.burst}};
}

void from_json(const nlohmann::json& j, limits& x) {
  x.burst = j.value("burst", 0);
}

void to_json(nlohmann::json& j, const config& x) {
  j = nlohmann::json{{"name", x.name},
                     {"limit", x.limit},
                     {"nested", x.nested},
                     {"quotas", x.quotas}};
}

void from_json(const nlohmann::json& j, config& x) {
  j.at("name").get_to(x.name);
  x.limit = j.value("limit", 10);
  if (j.contains("nested"))
    j.at("nested").get_to(x.nested);
  if (j.contains("quotas"))
    j.at("quotas").get_to(x.quotas);
}

/// Packed as [name, tag]. Unpacking it decodes `side_input()`, a value far
/// larger than itself, with the msgpack codec between its two fields: one
/// decode inside another, the outer one's objects read after the inner one.
struct tagged {
  std::string name;
  std::string tag;
  size_t side_count = 0;

  template <class Packer>
  void msgpack_pack(Packer& pk) const {
    pk.pack_array(2);
    pk.pack(name);
    pk.pack(tag);
  }

  void msgpack_unpack(const msgpack::object& o);
};

const bytes& side_input() {
  static const auto x = *msgpack_codec<std::vector<std::string>>::encode(
    std::vector<std::string>(5000, "side"));
  return x;
}

void tagged::msgpack_unpack(const msgpack::object& o) {
  if (o.type != msgpack::type::ARRAY || o.via.array.size != 2)
    throw msgpack::type_error();
  o.via.array.ptr[0].convert(name);
  auto side = msgpack_codec<std::vector<std::string>>::decode(
    side_input().data(), side_input().size());
  side_count = side ? side->size() : 0;
  o.via.array.ptr[1].convert(tag);
}

// -- helpers ------------------------------------------------------------------

bytes to_bytes(std::string_view x) {
  return bytes(x.begin(), x.end());
}

template <class T>
caf::error failure(const caf::expected<T>& x) {
  return x ? caf::error{} : x.error();
}

template <class Codec, class T>
caf::expected<T> round_trip(const T& x) {
  auto buf = Codec::encode(x);
  if (!buf)
    return std::move(buf.error());
  return Codec::decode(buf->data(), buf->size());
}

template <class Codec>
auto decode_text(std::string_view text) {
  auto buf = to_bytes(text);
  return Codec::decode(buf.data(), buf.size());
}

const caf::error decode_failed = caf::make_error(ec::decode_failed);

using strict = strict_json_codec<config>;
using permissive = json_codec<config>;

} // namespace

CAF_TEST(the msgpack codec round trips strings numbers containers structs) {
  CAF_CHECK_EQUAL(round_trip<msgpack_codec<std::string>>(std::string{"hi"}),
                  std::string{"hi"});
  CAF_CHECK_EQUAL(round_trip<msgpack_codec<int64_t>>(int64_t{-42}), -42);
  std::map<std::string, int> counters{{"a", 1}, {"b", 2}};
  auto map_res
    = round_trip<msgpack_codec<std::map<std::string, int>>>(counters);
  CAF_CHECK(map_res && *map_res == counters);
  std::vector<uint64_t> xs{1, 2, 300000};
  auto vec_res = round_trip<msgpack_codec<std::vector<uint64_t>>>(xs);
  CAF_CHECK(vec_res && *vec_res == xs);
  auto pt_res = round_trip<msgpack_codec<point>>(point{3, -4});
  CAF_CHECK(pt_res && *pt_res == (point{3, -4}));
}

CAF_TEST(the msgpack codec packs the same bytes as an sbuffer) {
  // Sizes from empty to well past the writer's 256-byte staging array.
  for (size_t n = 0; n <= 1100; n += 13) {
    std::vector<std::string> x{std::string(n, 'a'), std::string(n / 3, 'b')};
    msgpack::sbuffer reference;
    msgpack::pack(reference, x);
    auto encoded = msgpack_codec<std::vector<std::string>>::encode(x);
    CAF_REQUIRE(encoded);
    CAF_CHECK_EQUAL(std::string(encoded->begin(), encoded->end()),
                    std::string(reference.data(), reference.size()));
  }
}

CAF_TEST(a msgpack decode nested in another decodes both) {
  // Each thread keeps one zone for decoding; the inner decode must not take
  // it from under the outer one (ASan reports it if it does).
  auto buf = msgpack_codec<tagged>::encode(tagged{"outer", "kept", 0});
  CAF_REQUIRE(buf);
  auto x = msgpack_codec<tagged>::decode(buf->data(), buf->size());
  CAF_REQUIRE(x);
  CAF_CHECK_EQUAL(x->name, "outer");
  CAF_CHECK_EQUAL(x->side_count, 5000u);
  CAF_CHECK_EQUAL(x->tag, "kept");
}

CAF_TEST(the msgpack codec rejects bytes of the wrong type) {
  auto as_int = msgpack_codec<int32_t>::encode(7);
  CAF_REQUIRE(as_int);
  CAF_CHECK_EQUAL(
    failure(msgpack_codec<std::string>::decode(as_int->data(), as_int->size())),
    decode_failed);
  auto as_str = msgpack_codec<std::string>::encode("seven");
  CAF_REQUIRE(as_str);
  CAF_CHECK_EQUAL(
    failure(msgpack_codec<int32_t>::decode(as_str->data(), as_str->size())),
    decode_failed);
  CAF_CHECK_EQUAL(
    failure(msgpack_codec<point>::decode(as_str->data(), as_str->size())),
    decode_failed);
  // 300 does not fit a uint8_t.
  auto big = msgpack_codec<int>::encode(300);
  CAF_CHECK_EQUAL(
    failure(msgpack_codec<uint8_t>::decode(big->data(), big->size())),
    decode_failed);
}

CAF_TEST(the msgpack codec rejects empty truncated and padded input) {
  CAF_CHECK_EQUAL(failure(msgpack_codec<int>::decode(nullptr, 0)),
                  decode_failed);
  auto buf = *msgpack_codec<std::string>::encode("hello");
  auto padded = buf;
  padded.push_back(0x01);
  CAF_CHECK_EQUAL(
    failure(msgpack_codec<std::string>::decode(buf.data(), buf.size() - 1)),
    decode_failed);
  CAF_CHECK_EQUAL(
    failure(msgpack_codec<std::string>::decode(padded.data(), padded.size())),
    decode_failed);
  bytes forged{0xdd, 0xff, 0xff, 0xff, 0xff};
  CAF_CHECK_EQUAL(failure(msgpack_codec<std::vector<int>>::decode(
                    forged.data(), forged.size())),
                  decode_failed);
}

CAF_TEST(the json codec round trips a type with ADL conversions) {
  config x{"flags", 5, limits{3}, {{"eu", 10}}};
  auto res = round_trip<permissive>(x);
  CAF_REQUIRE(res);
  CAF_CHECK_EQUAL(res->name, "flags");
  CAF_CHECK_EQUAL(res->limit, 5);
  CAF_CHECK_EQUAL(res->nested.burst, 3);
  CAF_CHECK(res->quotas == x.quotas);
  auto text = permissive::encode(x);
  CAF_REQUIRE(text);
  CAF_CHECK(nlohmann::json::parse(text->begin(), text->end()).is_object());
}

CAF_TEST(the permissive json codec accepts unknown and missing fields) {
  auto res = decode_text<permissive>(R"({"name":"a","color":"red",)"
                                     R"("nested":{"burst":2,"jitter":1}})");
  CAF_REQUIRE(res);
  CAF_CHECK_EQUAL(res->name, "a");
  CAF_CHECK_EQUAL(res->limit, 10);
  CAF_CHECK_EQUAL(res->nested.burst, 2);
}

CAF_TEST(the strict json codec rejects an unknown field at any depth) {
  CAF_CHECK_EQUAL(failure(decode_text<strict>(R"({"name":"a","color":1})")),
                  decode_failed);
  auto nested
    = decode_text<strict>(R"({"name":"a","nested":{"burst":2,"jitter":1}})");
  CAF_CHECK_EQUAL(failure(nested), decode_failed);
  if (!nested)
    CAF_CHECK_NOT_EQUAL(to_string(nested.error()).find("/nested/jitter"),
                        std::string::npos);
  // An object where the type holds a number has no known keys either.
  CAF_CHECK_EQUAL(
    failure(decode_text<strict>(R"({"name":"a","quotas":{"eu":{"x":1}}})")),
    decode_failed);
}

CAF_TEST(the strict json codec accepts missing fields and dynamic keys) {
  auto res = decode_text<strict>(R"({"name":"a","quotas":{"eu":1,"us":2}})");
  CAF_REQUIRE(res);
  CAF_CHECK_EQUAL(res->limit, 10);
  CAF_CHECK_EQUAL(res->quotas.size(), 2u);
  CAF_CHECK(decode_text<strict>(R"({"name":"a","nested":{}})"));
}

CAF_TEST(the json codecs reject malformed documents and wrong types) {
  for (auto text : {"", "{", R"({"name":"a"} x)", R"({"name":1})", "[]",
                    R"({"limit":3})", "nul"}) {
    CAF_CHECK_EQUAL(failure(decode_text<permissive>(text)), decode_failed);
    CAF_CHECK_EQUAL(failure(decode_text<strict>(text)), decode_failed);
  }
  CAF_CHECK_EQUAL(failure(decode_text<json_codec<int>>("\"7\"")),
                  decode_failed);
  CAF_CHECK_EQUAL(failure(decode_text<json_codec<int>>(std::string(500, '['))),
                  decode_failed);
}

CAF_TEST(the json codec fails to encode strings that are not unicode) {
  CAF_CHECK_EQUAL(failure(json_codec<std::string>::encode("\xff\xfe")),
                  caf::make_error(ec::encode_failed));
}

CAF_TEST(value ops encode and decode through erased pointers) {
  auto ops = make_value_ops<std::string>();
  CAF_CHECK(!ops.merge);
  std::string x = "hello";
  auto buf = ops.encode(&x);
  CAF_REQUIRE(buf);
  CAF_CHECK(*buf == *msgpack_codec<std::string>::encode(x));
  auto decoded = ops.decode(buf->data(), buf->size());
  CAF_REQUIRE(decoded);
  CAF_CHECK_EQUAL(*static_cast<const std::string*>(decoded->get()), "hello");
  auto as_int = *msgpack_codec<int>::encode(1);
  CAF_CHECK_EQUAL(failure(ops.decode(as_int.data(), as_int.size())),
                  decode_failed);
}

CAF_TEST(value ops encode into a buffer replacing what it held) {
  auto ops = make_value_ops<std::string>();
  std::string x = "hello";
  bytes out(100, 0xff);
  auto* memory = out.data();
  CAF_CHECK(!ops.encode_into(&x, out));
  CAF_CHECK(out == *msgpack_codec<std::string>::encode(x));
  // msgpack writes in place: the buffer's memory is kept.
  CAF_CHECK_EQUAL(out.data(), memory);
  // A codec without encode_into goes through encode.
  auto json_ops = make_value_ops<std::string, json_codec<std::string>>();
  CAF_CHECK(!json_ops.encode_into(&x, out));
  CAF_CHECK_EQUAL(std::string(out.begin(), out.end()), R"("hello")");
  std::string not_unicode = "\xff\xfe";
  CAF_CHECK_EQUAL(json_ops.encode_into(&not_unicode, out),
                  caf::make_error(ec::encode_failed));
}

CAF_TEST(value ops merge with the merger into a new value) {
  auto ops = make_value_ops<int64_t>(
    [](const int64_t& a, const int64_t& b) { return std::max(a, b); });
  CAF_REQUIRE(ops.merge);
  int64_t current = 5;
  int64_t incoming = 9;
  auto merged = ops.merge(&current, &incoming);
  CAF_REQUIRE(merged != nullptr);
  CAF_CHECK_EQUAL(*static_cast<const int64_t*>(merged.get()), 9);
  CAF_CHECK_EQUAL(current, 5);
}

CAF_TEST(value ops use the codec they are given) {
  auto ops = make_value_ops<config, strict_json_codec<config>>();
  auto good = to_bytes(R"({"name":"a"})");
  auto res = ops.decode(good.data(), good.size());
  CAF_REQUIRE(res);
  CAF_CHECK_EQUAL(static_cast<const config*>(res->get())->name, "a");
  auto drift = to_bytes(R"({"name":"a","added_in_v2":true})");
  CAF_CHECK_EQUAL(failure(ops.decode(drift.data(), drift.size())),
                  decode_failed);
}
