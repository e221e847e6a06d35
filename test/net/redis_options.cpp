#define CAF_SUITE net.redis_options

#include "podshare/net/redis/options.hpp"

#include "podshare/error.hpp"

#include <caf/test/unit_test.hpp>

using namespace podshare;
using podshare::net::redis_options;

namespace {

// The error text of a URL that must not parse.
std::string rejection(const std::string& url) {
  auto res = redis_options::from_url(url);
  if (res)
    return "<accepted>";
  CAF_CHECK_EQUAL(res.error(), caf::make_error(ec::invalid_argument));
  return describe(res.error());
}

bool mentions(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

} // namespace

CAF_TEST(a full url sets host port password and database) {
  auto res = redis_options::from_url("redis://:s3cret@cache.local:6380/4");
  CAF_REQUIRE(res);
  CAF_CHECK_EQUAL(res->host, "cache.local");
  CAF_CHECK_EQUAL(res->port, 6380u);
  CAF_CHECK_EQUAL(res->password, "s3cret");
  CAF_CHECK_EQUAL(res->database, 4);
}

CAF_TEST(missing parts keep their defaults) {
  auto res = redis_options::from_url("redis://10.0.0.7");
  CAF_REQUIRE(res);
  CAF_CHECK_EQUAL(res->host, "10.0.0.7");
  CAF_CHECK_EQUAL(res->port, 6379u);
  CAF_CHECK_EQUAL(res->password, "");
  CAF_CHECK_EQUAL(res->database, 0);
  CAF_CHECK_EQUAL(res->prefix, "podshare");
}

CAF_TEST(an ipv6 host goes in brackets) {
  auto res = redis_options::from_url("redis://[::1]:7000/1");
  CAF_REQUIRE(res);
  CAF_CHECK_EQUAL(res->host, "::1");
  CAF_CHECK_EQUAL(res->port, 7000u);
  CAF_CHECK_EQUAL(res->database, 1);
}

CAF_TEST(bad urls are clear errors) {
  CAF_CHECK(mentions(rejection("rediss://host"), "no TLS"));
  CAF_CHECK(mentions(rejection("http://host"), "expected redis://"));
  CAF_CHECK(mentions(rejection("redis://host:0"), "port"));
  CAF_CHECK(mentions(rejection("redis://host:99999"), "port"));
  CAF_CHECK(mentions(rejection("redis://host:abc"), "port"));
  CAF_CHECK(mentions(rejection("redis://host/x"), "database"));
  CAF_CHECK(mentions(rejection("redis://user:pw@host"), "ACL"));
  CAF_CHECK(mentions(rejection("redis://pw@host"), "password"));
  CAF_CHECK(mentions(rejection("redis://:6379"), "host"));
  CAF_CHECK(mentions(rejection("redis://[::1"), "IPv6"));
}

CAF_TEST(names follow the go podshare) {
  redis_options opts;
  CAF_CHECK_EQUAL(opts.channel("flags"), "podshare:flags:events");
  CAF_CHECK_EQUAL(opts.snapshot_key("flags"), "podshare:flags:snapshot");
  opts.prefix = "acme";
  CAF_CHECK_EQUAL(opts.channel("flags"), "acme:flags:events");
}

CAF_TEST(validation refuses tls and unusable settings) {
  redis_options opts;
  CAF_CHECK(!opts.validate());
  opts.tls = true;
  CAF_CHECK(mentions(describe(opts.validate()), "hiredis 0.14"));
  opts.tls = false;
  opts.reconnect_max = opts.reconnect_min / 2;
  CAF_CHECK(mentions(describe(opts.validate()), "reconnect_min"));
  opts = redis_options{};
  opts.prefix.clear();
  CAF_CHECK(mentions(describe(opts.validate()), "prefix"));
}
