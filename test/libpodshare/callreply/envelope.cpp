#define CAF_SUITE libpodshare.callreply.envelope

#include "podshare/callreply/envelope.hpp"

#include "podshare/error.hpp"

#include <caf/test/dsl.hpp>

#include <nlohmann/json.hpp>

#include <string>

using namespace podshare;
using namespace podshare::callreply;

namespace {

caf::expected<envelope> decode(const std::string& text) {
  return decode_envelope(reinterpret_cast<const uint8_t*>(text.data()),
                         text.size());
}

bytes to_bytes(const std::string& x) {
  return bytes(x.begin(), x.end());
}

} // namespace

CAF_TEST(a call as the go package marshals it decodes) {
  // encoding/json of Go's envelope: []byte as base64, empty fields omitted.
  auto x = decode(R"({"type":"call","id":"5f1c0a","reply":"callreply:inbox:)"
                  R"(gopod","target":"ws:alice","method":"Send","args":)"
                  R"("aGVsbG8=","deadline":1796000000000000000})");
  CAF_REQUIRE(x);
  CAF_CHECK_EQUAL(x->type, "call");
  CAF_CHECK_EQUAL(x->id, "5f1c0a");
  CAF_CHECK_EQUAL(x->reply, "callreply:inbox:gopod");
  CAF_CHECK_EQUAL(x->target, "ws:alice");
  CAF_CHECK_EQUAL(x->method, "Send");
  CAF_CHECK(x->args == to_bytes("hello"));
  CAF_CHECK_EQUAL(x->deadline_ns, 1796000000000000000);
  CAF_CHECK_EQUAL(x->remaining_ns, 0);
}

CAF_TEST(a reply renders as go decodes it) {
  envelope x;
  x.type = "reply";
  x.id = "5f1c0a";
  x.result = to_bytes("ok!");
  auto doc = nlohmann::json::parse(encode_envelope(x));
  CAF_CHECK_EQUAL(doc, nlohmann::json::parse(
                         R"({"type":"reply","id":"5f1c0a","result":"b2sh"})"));
  x.result.clear();
  x.error = "endpoint busy";
  x.code = "busy";
  doc = nlohmann::json::parse(encode_envelope(x));
  CAF_CHECK_EQUAL(doc["error"], "endpoint busy");
  CAF_CHECK_EQUAL(doc["code"], "busy");
  CAF_CHECK(doc.find("result") == doc.end());
}

CAF_TEST(our fields survive a round trip) {
  envelope x;
  x.type = "call";
  x.id = "1";
  x.reply = "r";
  x.target = "t";
  x.method = "m";
  x.args = bytes{0, 1, 2, 255};
  x.deadline_ns = 42;
  x.remaining_ns = 7;
  auto text = encode_envelope(x);
  auto y = decode(text);
  CAF_REQUIRE(y);
  CAF_CHECK(y->args == x.args);
  CAF_CHECK_EQUAL(y->deadline_ns, 42);
  CAF_CHECK_EQUAL(y->remaining_ns, 7);
}

CAF_TEST(malformed envelopes are decode errors that say why) {
  for (auto bad : {"", "null", R"({"id":"1"})", R"({"type":"call"})",
                   R"({"type":"call","id":1})",
                   R"({"type":"call","id":"1","deadline":"soon"})",
                   R"({"type":"reply","id":"1","result":"%%"})"}) {
    auto x = decode(bad);
    CAF_CHECK_EQUAL(x.error(), ec::decode_failed);
  }
}
