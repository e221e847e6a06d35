#include "podshare/detail/log_event.hpp"

#include <spdlog/spdlog.h>

#include <cstdio>

namespace podshare::detail {

namespace {

void append_value(std::string& out, const std::string& x) {
  if (!x.empty() && x.find_first_of(" \"=") == std::string::npos) {
    out += x;
    return;
  }
  out += '"';
  for (auto c : x) {
    if (c == '"' || c == '\\')
      out += '\\';
    out += c;
  }
  out += '"';
}

spdlog::level::level_enum to_spdlog(log_level x) {
  switch (x) {
    case log_level::debug: return spdlog::level::debug;
    case log_level::info: return spdlog::level::info;
    case log_level::warn: return spdlog::level::warn;
  }
  return spdlog::level::info;
}

} // namespace

void log_event(const std::shared_ptr<spdlog::logger>& logger, log_level level,
               const char* event, const std::vector<log_field>& fields) {
  if (!logger || !logger->should_log(to_spdlog(level)))
    return;
  std::string line = "event=";
  line += event;
  for (auto& f : fields) {
    line += ' ';
    line += f.key;
    line += '=';
    append_value(line, f.value);
  }
  logger->log(to_spdlog(level), line);
}

std::string millis(caf::timespan x) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.3f", static_cast<double>(x.count()) / 1e6);
  return buf;
}

} // namespace podshare::detail
