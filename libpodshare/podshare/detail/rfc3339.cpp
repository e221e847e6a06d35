#include "podshare/detail/rfc3339.hpp"

#include <array>
#include <cstdio>

namespace podshare::detail {

namespace {

constexpr int64_t ns_per_second = 1'000'000'000;

constexpr int64_t seconds_per_day = 86'400;

// Howard Hinnant's days_from_civil: days since 1970-01-01 of a proleptic
// Gregorian date.
constexpr int64_t days_from_civil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2 ? 1 : 0;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

struct civil_date {
  int64_t year;
  unsigned month;
  unsigned day;
};

// The inverse of days_from_civil.
constexpr civil_date civil_from_days(int64_t z) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const auto doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  const unsigned d = doy - (153 * mp + 2) / 5 + 1;
  const unsigned m = mp < 10 ? mp + 3 : mp - 9;
  return {static_cast<int64_t>(yoe) + era * 400 + (m <= 2 ? 1 : 0), m, d};
}

constexpr bool is_leap(int64_t y) {
  return y % 4 == 0 && (y % 100 != 0 || y % 400 == 0);
}

constexpr unsigned days_in_month(int64_t y, unsigned m) {
  constexpr std::array<unsigned, 12> days{31, 28, 31, 30, 31, 30,
                                          31, 31, 30, 31, 30, 31};
  return m == 2 && is_leap(y) ? 29 : days[m - 1];
}

// Reads exactly `n` decimal digits at `pos` into `out`.
bool read_digits(std::string_view text, size_t& pos, size_t n, int64_t& out) {
  if (text.size() - pos < n)
    return false;
  out = 0;
  for (size_t i = 0; i < n; ++i) {
    auto c = text[pos + i];
    if (c < '0' || c > '9')
      return false;
    out = out * 10 + (c - '0');
  }
  pos += n;
  return true;
}

bool expect(std::string_view text, size_t& pos, char lower, char upper) {
  if (pos >= text.size() || (text[pos] != lower && text[pos] != upper))
    return false;
  ++pos;
  return true;
}

} // namespace

std::string format_rfc3339(int64_t ns) {
  // Floor division, so that instants before 1970 get a positive fraction.
  int64_t secs = ns / ns_per_second;
  int64_t frac = ns % ns_per_second;
  if (frac < 0) {
    frac += ns_per_second;
    --secs;
  }
  int64_t days = secs / seconds_per_day;
  int64_t sod = secs % seconds_per_day;
  if (sod < 0) {
    sod += seconds_per_day;
    --days;
  }
  auto date = civil_from_days(days);
  char buf[64];
  auto len = std::snprintf(buf, sizeof(buf), "%04d-%02u-%02uT%02d:%02d:%02d",
                           static_cast<int>(date.year), date.month, date.day,
                           static_cast<int>(sod / 3600),
                           static_cast<int>(sod / 60 % 60),
                           static_cast<int>(sod % 60));
  std::string result(buf, static_cast<size_t>(len));
  if (frac != 0) {
    char digits[10];
    std::snprintf(digits, sizeof(digits), "%09d", static_cast<int>(frac));
    std::string_view fraction{digits, 9};
    fraction = fraction.substr(0, fraction.find_last_not_of('0') + 1);
    result += '.';
    result += fraction;
  }
  result += 'Z';
  return result;
}

std::optional<int64_t> parse_rfc3339(std::string_view text) {
  size_t pos = 0;
  int64_t year = 0;
  int64_t month = 0;
  int64_t day = 0;
  int64_t hour = 0;
  int64_t minute = 0;
  int64_t second = 0;
  if (!read_digits(text, pos, 4, year) || !expect(text, pos, '-', '-')
      || !read_digits(text, pos, 2, month) || !expect(text, pos, '-', '-')
      || !read_digits(text, pos, 2, day) || !expect(text, pos, 't', 'T')
      || !read_digits(text, pos, 2, hour) || !expect(text, pos, ':', ':')
      || !read_digits(text, pos, 2, minute) || !expect(text, pos, ':', ':')
      || !read_digits(text, pos, 2, second))
    return std::nullopt;
  if (month < 1 || month > 12 || day < 1
      || day > days_in_month(year, static_cast<unsigned>(month)) || hour > 23
      || minute > 59 || second > 59)
    return std::nullopt;
  int64_t frac = 0;
  if (pos < text.size() && text[pos] == '.') {
    ++pos;
    size_t digits = 0;
    while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
      if (++digits > 9)
        return std::nullopt;
      frac = frac * 10 + (text[pos++] - '0');
    }
    if (digits == 0)
      return std::nullopt;
    for (; digits < 9; ++digits)
      frac *= 10;
  }
  int64_t offset = 0;
  if (expect(text, pos, 'z', 'Z')) {
    // UTC.
  } else if (pos < text.size() && (text[pos] == '+' || text[pos] == '-')) {
    auto sign = text[pos++] == '-' ? -1 : 1;
    int64_t off_hour = 0;
    int64_t off_minute = 0;
    if (!read_digits(text, pos, 2, off_hour) || !expect(text, pos, ':', ':')
        || !read_digits(text, pos, 2, off_minute) || off_hour > 23
        || off_minute > 59)
      return std::nullopt;
    offset = sign * (off_hour * 3600 + off_minute * 60);
  } else {
    return std::nullopt;
  }
  if (pos != text.size())
    return std::nullopt;
  // A local time at offset +X is X earlier in UTC. All of this fits in
  // int64_t seconds (four-digit years); only the nanoseconds may overflow.
  auto days = days_from_civil(year, static_cast<unsigned>(month),
                              static_cast<unsigned>(day));
  auto secs
    = days * seconds_per_day + hour * 3600 + minute * 60 + second - offset;
  // Near the lower end, secs * 10^9 alone would overflow although the sum
  // with the fraction fits: borrow one second first.
  if (secs < 0 && frac > 0) {
    ++secs;
    frac -= ns_per_second;
  }
  int64_t result = 0;
  if (__builtin_mul_overflow(secs, ns_per_second, &result)
      || __builtin_add_overflow(result, frac, &result))
    return std::nullopt;
  return result;
}

} // namespace podshare::detail
