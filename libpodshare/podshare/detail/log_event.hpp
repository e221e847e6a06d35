#pragma once

#include <caf/timespan.hpp>

#include <memory>
#include <string>
#include <vector>

namespace spdlog {
class logger;
} // namespace spdlog

namespace podshare::detail {

enum class log_level { debug, info, warn };

/// One `key=value` pair of a log line.
struct log_field {
  const char* key;
  std::string value;
};

/// Logs one lifecycle event as a structured line, `event=NAME key=value
/// ...`, to `logger` (nothing when it is null). A value with a space, a quote
/// or an equals sign is quoted.
void log_event(const std::shared_ptr<spdlog::logger>& logger, log_level level,
               const char* event, const std::vector<log_field>& fields);

/// `x` in milliseconds with three decimals, e.g. "12.345".
std::string millis(caf::timespan x);

} // namespace podshare::detail
