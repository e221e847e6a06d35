#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace podshare::detail {

/// Formats nanoseconds since the Unix epoch as an RFC 3339 UTC timestamp the
/// way Go's `time.RFC3339Nano` does: `Z` as the offset, and a fraction only
/// when non-zero, trimmed of trailing zeros (`2026-05-18T10:00:00.5Z`).
/// Every `int64_t` fits: it spans the years 1677 to 2262.
std::string format_rfc3339(int64_t ns);

/// Parses an RFC 3339 timestamp (`YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM)`,
/// `T` and `Z` in either case, 1 to 9 fraction digits) into nanoseconds since
/// the Unix epoch. Computes the calendar by arithmetic, so neither the
/// process's time zone nor its locale matters.
/// @returns the instant, or nothing for malformed text, out-of-range fields
///          (including leap second 60) and instants outside `int64_t`.
std::optional<int64_t> parse_rfc3339(std::string_view text);

} // namespace podshare::detail
