#include "commands.hpp"

#include "podshare/detail/rfc3339.hpp"
#include "podshare/error.hpp"
#include "podshare/stats_json.hpp"

#include <algorithm>
#include <chrono>
#include <vector>

namespace podsharectl {

namespace {

nlohmann::json version_fields(const podshare::version& v) {
  return {{"timestamp", podshare::detail::format_rfc3339(v.timestamp)},
          {"origin", v.origin},
          {"seq", v.seq}};
}

} // namespace

std::optional<nlohmann::json> parse_value(const std::string& text,
                                          std::string& reason) {
  try {
    return nlohmann::json::parse(text);
  } catch (const nlohmann::json::exception& ex) {
    reason = ex.what();
    return std::nullopt;
  }
}

outcome failure(const caf::error& err) {
  auto why = podshare::describe(err);
  if (err == podshare::ec::timeout || err == caf::sec::request_timeout)
    return outcome::fail(exit_code::timeout, why);
  if (err == podshare::ec::encode_failed || err == podshare::ec::decode_failed
      || err == podshare::ec::invalid_argument)
    return outcome::fail(exit_code::usage, why);
  return outcome::fail(exit_code::transport, why);
}

outcome get(const json_store& s, const std::string& key, std::ostream& out) {
  auto value = s.get(key);
  if (!value)
    return {exit_code::absent, {}};
  out << value->dump() << '\n';
  return outcome::ok();
}

outcome set(json_store& s, const std::string& key, const nlohmann::json& value,
            std::ostream* token_out) {
  auto res = s.set(key, value);
  if (!res)
    return failure(res.error());
  if (token_out != nullptr)
    *token_out << to_string(podshare::token_of(*res)) << '\n';
  return outcome::ok();
}

outcome del(json_store& s, const std::string& key) {
  auto res = s.erase(key);
  return res ? outcome::ok() : failure(res.error());
}

outcome keys(const json_store& s, std::string_view from, std::string_view to,
             std::ostream& out) {
  for (auto& x : s.view().keys(from, to))
    out << x << '\n';
  return outcome::ok();
}

outcome entries(const json_store& s, std::string_view from, std::string_view to,
                std::ostream& out) {
  // One view for the whole walk: the lines show a single state of the store.
  s.for_range(from, to, [&](std::string_view key, const nlohmann::json& value) {
    out << nlohmann::json{{"key", std::string{key}}, {"value", value}}.dump()
        << '\n';
  });
  return outcome::ok();
}

outcome dump(const json_store& s, bool tombstones, std::ostream& out) {
  auto result = nlohmann::json::object();
  s.map()->for_each([&](const podshare::record& x) {
    if (x.tombstone() && !tombstones)
      return;
    auto fields = version_fields(x.version());
    if (x.tombstone())
      fields["tombstone"] = true;
    else
      fields["value"] = x.value_as<nlohmann::json>();
    result[std::string{x.key()}] = std::move(fields);
  });
  out << result.dump() << '\n';
  return outcome::ok();
}

outcome watch(json_store& s, podshare::watch_filter filter,
              const watch_limits& limits, std::ostream& out) {
  using clock = std::chrono::steady_clock;
  auto events = s.watch(std::move(filter));
  if (limits.on_watching)
    limits.on_watching();
  auto deadline = limits.timeout ? clock::now() + *limits.timeout
                                 : clock::time_point::max();
  uint64_t seen = 0;
  while (!limits.count || seen < *limits.count) {
    if (limits.stop != nullptr && limits.stop->load())
      return outcome::ok();
    auto now = clock::now();
    if (now >= deadline) {
      if (limits.count)
        return outcome::fail(exit_code::timeout,
                             "watch saw " + std::to_string(seen) + " of "
                               + std::to_string(*limits.count)
                               + " events before --timeout");
      return outcome::ok();
    }
    // Short waits, so that a signal or the deadline ends the watch soon.
    auto wait = std::min<clock::duration>(deadline - now,
                                          std::chrono::milliseconds{50});
    auto ev = events.next(std::chrono::duration_cast<caf::timespan>(wait));
    if (!ev) {
      if (auto why = events.ended())
        return outcome::fail(exit_code::transport,
                             std::string{"watch ended: "}
                               + podshare::to_string(*why));
      continue;
    }
    nlohmann::json line{
      {"kind", ev->kind == podshare::event_kind::set ? "set" : "delete"},
      {"key", ev->key},
      {"value", ev->value ? *ev->value : nlohmann::json{}},
      {"origin", ev->version.origin},
      {"timestamp", podshare::detail::format_rfc3339(ev->version.timestamp)}};
    out << line.dump() << std::endl;
    ++seen;
  }
  return outcome::ok();
}

outcome stats(const json_store& s, std::ostream& out) {
  out << nlohmann::json(s.stats()).dump() << '\n';
  return outcome::ok();
}

} // namespace podsharectl
