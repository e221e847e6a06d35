#define CAF_SUITE libpodshare.rfc3339

#include "podshare/detail/rfc3339.hpp"

#include <caf/test/unit_test.hpp>

#include <cstdint>
#include <limits>
#include <optional>
#include <string>

using podshare::detail::format_rfc3339;
using podshare::detail::parse_rfc3339;

namespace {

// 2026-05-18T10:00:00Z in nanoseconds since the epoch.
constexpr int64_t t0 = 1'779'098'400'000'000'000;

constexpr int64_t second = 1'000'000'000;

// Parses or returns a sentinel no test expects, so checks print both sides.
int64_t parse(const std::string& text) {
  return parse_rfc3339(text).value_or(std::numeric_limits<int64_t>::min() + 7);
}

bool rejects(const std::string& text) {
  return !parse_rfc3339(text).has_value();
}

} // namespace

CAF_TEST(whole seconds format without a fraction and with a Z) {
  CAF_CHECK_EQUAL(format_rfc3339(0), "1970-01-01T00:00:00Z");
  CAF_CHECK_EQUAL(format_rfc3339(t0), "2026-05-18T10:00:00Z");
  CAF_CHECK_EQUAL(format_rfc3339(951'868'800 * second), "2000-03-01T00:00:00Z");
}

CAF_TEST(fractions are trimmed of trailing zeros like Go RFC3339Nano does) {
  CAF_CHECK_EQUAL(format_rfc3339(t0 + 500'000'000), "2026-05-18T10:00:00.5Z");
  CAF_CHECK_EQUAL(format_rfc3339(t0 + 120'000'000), "2026-05-18T10:00:00.12Z");
  CAF_CHECK_EQUAL(format_rfc3339(t0 + 123'456'789),
                  "2026-05-18T10:00:00.123456789Z");
  CAF_CHECK_EQUAL(format_rfc3339(t0 + 1), "2026-05-18T10:00:00.000000001Z");
}

CAF_TEST(instants before the epoch format with a positive fraction) {
  CAF_CHECK_EQUAL(format_rfc3339(-1), "1969-12-31T23:59:59.999999999Z");
  CAF_CHECK_EQUAL(format_rfc3339(-second), "1969-12-31T23:59:59Z");
  CAF_CHECK_EQUAL(parse("1969-12-31T23:59:59.999999999Z"), -1);
}

CAF_TEST(the whole int64 range formats and parses back) {
  constexpr auto lo = std::numeric_limits<int64_t>::min();
  constexpr auto hi = std::numeric_limits<int64_t>::max();
  CAF_CHECK_EQUAL(format_rfc3339(lo), "1677-09-21T00:12:43.145224192Z");
  CAF_CHECK_EQUAL(format_rfc3339(hi), "2262-04-11T23:47:16.854775807Z");
  CAF_CHECK_EQUAL(parse(format_rfc3339(lo)), lo);
  CAF_CHECK_EQUAL(parse(format_rfc3339(hi)), hi);
  // One nanosecond beyond either end no longer fits.
  CAF_CHECK(rejects("1677-09-21T00:12:43.145224191Z"));
  CAF_CHECK(rejects("2262-04-11T23:47:16.854775808Z"));
  CAF_CHECK(rejects("9999-12-31T23:59:59Z"));
  CAF_CHECK(rejects("0000-01-01T00:00:00Z"));
}

CAF_TEST(pseudo random instants round trip) {
  // A fixed linear congruential sequence: deterministic, but spread over the
  // whole range, both signs and every fraction length.
  uint64_t state = 0x9E3779B97F4A7C15u;
  size_t failures = 0;
  for (int i = 0; i < 20'000; ++i) {
    state = state * 6364136223846793005u + 1442695040888963407u;
    auto ns = static_cast<int64_t>(state);
    if (i % 3 == 0)
      ns -= ns % 1000; // also exercise trimmed fractions
    if (parse_rfc3339(format_rfc3339(ns)) != ns)
      ++failures;
  }
  CAF_CHECK_EQUAL(failures, 0u);
}

CAF_TEST(offsets are applied and accepted in any direction) {
  CAF_CHECK_EQUAL(parse("2026-05-18T12:00:00+02:00"), t0);
  CAF_CHECK_EQUAL(parse("2026-05-18T04:30:00-05:30"), t0);
  CAF_CHECK_EQUAL(parse("2026-05-18T10:00:00+00:00"), t0);
  CAF_CHECK_EQUAL(parse("2026-05-18T10:00:00-00:00"), t0);
  CAF_CHECK_EQUAL(parse("2026-05-19T09:59:00+23:59"), t0);
  // Crossing a day, month and year boundary.
  CAF_CHECK_EQUAL(parse("2027-01-01T01:00:00+02:00"),
                  parse("2026-12-31T23:00:00Z"));
}

CAF_TEST(zero to nine fraction digits are accepted) {
  std::string text = "2026-05-18T10:00:00";
  CAF_CHECK_EQUAL(parse(text + "Z"), t0);
  std::string digits = ".";
  int64_t frac = 0;
  int64_t scale = 100'000'000;
  for (int n = 1; n <= 9; ++n) {
    digits += static_cast<char>('0' + n);
    frac += n * scale;
    scale /= 10;
    CAF_CHECK_EQUAL(parse(text + digits + "Z"), t0 + frac);
    CAF_CHECK_EQUAL(parse(text + digits + "+01:00"), t0 + frac - 3600 * second);
  }
  CAF_CHECK(rejects(text + ".1234567891Z"));
  CAF_CHECK(rejects(text + ".Z"));
}

CAF_TEST(lowercase t and z are accepted as RFC 3339 allows) {
  CAF_CHECK_EQUAL(parse("2026-05-18t10:00:00.5z"), t0 + 500'000'000);
}

CAF_TEST(calendar rules decide which dates exist) {
  CAF_CHECK_EQUAL(parse("2024-02-29T00:00:00Z") + 86'400 * second,
                  parse("2024-03-01T00:00:00Z"));
  CAF_CHECK(!rejects("2000-02-29T00:00:00Z"));
  CAF_CHECK(rejects("2026-02-29T00:00:00Z"));
  CAF_CHECK(rejects("2100-02-29T00:00:00Z"));
  CAF_CHECK(rejects("2026-04-31T00:00:00Z"));
  CAF_CHECK(rejects("2026-13-01T00:00:00Z"));
  CAF_CHECK(rejects("2026-00-01T00:00:00Z"));
  CAF_CHECK(rejects("2026-01-00T00:00:00Z"));
  CAF_CHECK(rejects("2026-01-01T24:00:00Z"));
  CAF_CHECK(rejects("2026-01-01T00:60:00Z"));
  // Leap seconds cannot be represented in Unix time; Go rejects them too.
  CAF_CHECK(rejects("2016-12-31T23:59:60Z"));
}

CAF_TEST(garbage is rejected) {
  for (auto text : {"",
                    "Z",
                    "2026",
                    "2026-05-18",
                    "2026-05-18T10:00:00",
                    "2026-05-18 10:00:00Z",
                    "2026-05-18T10:00Z",
                    "2026-5-18T10:00:00Z",
                    "26-05-18T10:00:00Z",
                    "+2026-05-18T10:00:00Z",
                    "2026-05-18T10:00:00ZZ",
                    "2026-05-18T10:00:00Z ",
                    " 2026-05-18T10:00:00Z",
                    "2026-05-18T10:00:00+0200",
                    "2026-05-18T10:00:00+02",
                    "2026-05-18T10:00:00+24:00",
                    "2026-05-18T10:00:00+02:60",
                    "2026-05-18T10:00:00.5.5Z",
                    "2026-05-18T10:00:00,5Z",
                    "2026-05-18T1a:00:00Z",
                    "2026-05-18T10:00:00UTC",
                    "１９７０-01-01T00:00:00Z"})
    CAF_CHECK(rejects(text));
  CAF_CHECK(rejects(std::string("2026-05-18T10:00:00\0Z", 21)));
}
