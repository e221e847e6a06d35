#include "podshare/net/http/store_api.hpp"

#include "podshare/detail/rfc3339.hpp"
#include "podshare/error.hpp"
#include "podshare/net/http/page.hpp"
#include "podshare/stats_json.hpp"

#include <cmath>
#include <cstdio>
#include <optional>

namespace podshare::http {

namespace {

using namespace std::chrono_literals;

// What a stream sends instead of the changes it can no longer replay.
constexpr const char* reset_frame = "event: reset\ndata: {}\n\n";

std::string change_data(const typed_event<nlohmann::json>& x) {
  nlohmann::json data{
    {"kind", x.kind == event_kind::set ? "set" : "delete"},
    {"key", x.key},
    {"value", x.value ? *x.value : nlohmann::json{}},
    {"origin", x.version.origin},
    {"timestamp", detail::format_rfc3339(x.version.timestamp)}};
  return data.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

// The body's JSON object, or why it is not one.
std::optional<nlohmann::json> parse_object(const std::string& body,
                                           std::string& why) {
  auto x = nlohmann::json::parse(body, nullptr, false);
  if (x.is_discarded()) {
    why = "the body is not JSON";
    return std::nullopt;
  }
  if (!x.is_object()) {
    why = "the body must be a JSON object";
    return std::nullopt;
  }
  return x;
}

// The non-empty string `key` of `obj`, or why there is none.
std::optional<std::string> key_of(const nlohmann::json& obj, std::string& why) {
  auto i = obj.find("key");
  if (i == obj.end() || !i->is_string() || i->get<std::string>().empty()) {
    why = "\"key\" must be a non-empty string";
    return std::nullopt;
  }
  return i->get<std::string>();
}

std::optional<uint64_t> parse_id(const std::string& text) {
  if (text.empty())
    return std::nullopt;
  uint64_t x = 0;
  for (auto c : text) {
    if (c < '0' || c > '9')
      return std::nullopt;
    x = x * 10 + static_cast<uint64_t>(c - '0');
  }
  return x;
}

} // namespace

store_api::store_api(json_store store, options opts)
  : store_(std::move(store)), opts_(opts) {
  // Ids start at the boot's wall clock in ms, so that an id from before a
  // restart is always older than the log and the stream sends `reset`.
  next_id_ = static_cast<uint64_t>(
    std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::system_clock::now().time_since_epoch())
      .count());
  // Watching before the constructor returns: every later write is logged.
  taker_
    = std::thread{[this, events = store_.watch(watch_filter::all())]() mutable {
        take_events(std::move(events));
      }};
}

store_api::~store_api() {
  close_log();
  if (taker_.joinable())
    taker_.join();
}

std::string store_api::color() const {
  // FNV-1a of the node id picks the hue: its high bits, which differ even
  // for names that differ in their last character (pod-1, pod-2).
  uint32_t h = 2166136261u;
  for (auto c : store_.node_id())
    h = (h ^ static_cast<uint8_t>(c)) * 16777619u;
  auto hue = static_cast<double>((h >> 16) % 360);
  // HSL(hue, 60%, 40%) as RGB.
  double c = 0.48;
  double x = c * (1 - std::abs(std::fmod(hue / 60.0, 2.0) - 1));
  double m = 0.4 - c / 2;
  double r = 0;
  double g = 0;
  double b = 0;
  if (hue < 60)
    r = c, g = x;
  else if (hue < 120)
    r = x, g = c;
  else if (hue < 180)
    g = c, b = x;
  else if (hue < 240)
    g = x, b = c;
  else if (hue < 300)
    r = x, b = c;
  else
    r = c, b = x;
  char buf[8];
  std::snprintf(
    buf, sizeof(buf), "#%02x%02x%02x", static_cast<int>((r + m) * 255),
    static_cast<int>((g + m) * 255), static_cast<int>((b + m) * 255));
  return buf;
}

void store_api::install(server& srv) {
  srv.route("GET", "/", [](const request&) {
    return response{200, "text/html; charset=utf-8", web_page(), {}};
  });
  srv.route("GET", "/api/state", [this](const request&) { return state(); });
  srv.route("GET", "/api/get", [this](const request& req) { return get(req); });
  srv.route("POST", "/api/set",
            [this](const request& req) { return set(req); });
  srv.route("POST", "/api/delete",
            [this](const request& req) { return erase(req); });
  srv.route("GET", "/api/stats", [this](const request&) {
    return response{
      200, "application/json", nlohmann::json(store_.stats()).dump(), {}};
  });
  srv.stream_route(
    "/api/events", "text/event-stream",
    [this](const request& req, stream& out) { events(req, out); });
}

response store_api::state() const {
  nlohmann::json state = nlohmann::json::object();
  for (auto& [key, value] : store_.snapshot())
    state[key] = value;
  nlohmann::json body{{"pod_id", store_.node_id()},
                      {"topic", store_.topic()},
                      {"color", color()},
                      {"state", std::move(state)}};
  return {200,
          "application/json",
          body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace),
          {}};
}

response store_api::get(const request& req) const {
  auto key = req.param("key");
  if (!key || key->empty())
    return response::error(400, "?key= must name a key");
  auto value = store_.get(*key);
  if (!value)
    return response::error(404, "no key '" + *key + "'");
  nlohmann::json body{{"key", *key}, {"value", *value}};
  return {200,
          "application/json",
          body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace),
          {}};
}

response store_api::set(const request& req) {
  std::string why;
  auto obj = parse_object(req.body, why);
  if (!obj)
    return response::error(400, why);
  auto key = key_of(*obj, why);
  if (!key)
    return response::error(400, why);
  auto value = obj->find("value");
  if (value == obj->end())
    return response::error(400, "\"value\" is missing");
  if (auto res = store_.set(*key, *value); !res)
    return response::error(503, describe(res.error()));
  return {204, {}, {}, {}};
}

response store_api::erase(const request& req) {
  std::string why;
  auto obj = parse_object(req.body, why);
  if (!obj)
    return response::error(400, why);
  auto key = key_of(*obj, why);
  if (!key)
    return response::error(400, why);
  if (auto res = store_.erase(*key); !res)
    return response::error(503, describe(res.error()));
  return {204, {}, {}, {}};
}

void store_api::events(const request& req, stream& out) {
  auto resume = parse_id(req.header("Last-Event-ID"));
  uint64_t cursor = 0;
  std::string hello;
  {
    std::lock_guard<std::mutex> guard{mtx_};
    cursor = next_id_ - 1;
    hello = "retry: 1000\nevent: hello\ndata: "
            + nlohmann::json{{"pod_id", store_.node_id()}, {"last_id", cursor}}
                .dump()
            + "\n\n";
    if (resume) {
      auto oldest = log_.empty() ? next_id_ : log_.front().id;
      // A resume the log still covers replays from there; one from another
      // incarnation of this server, or too far back, re-fetches the state.
      if (*resume < next_id_ && *resume + 1 >= oldest)
        cursor = *resume;
      else
        hello += reset_frame;
    }
  }
  if (!out.write(hello))
    return;
  auto last_write = std::chrono::steady_clock::now();
  for (;;) {
    std::string batch;
    {
      std::unique_lock<std::mutex> guard{mtx_};
      changed_.wait_for(guard, 200ms, [&] {
        return closed_ || out.stopping() || next_id_ - 1 > cursor;
      });
      if (closed_ || out.stopping())
        return;
      if (!log_.empty() && log_.front().id > cursor + 1)
        batch = reset_frame; // fell behind the log: re-fetch instead
      for (auto& x : log_) {
        if (x.id <= cursor)
          continue;
        if (x.data.empty())
          batch += reset_frame; // the log itself missed changes
        else
          batch += "id: " + std::to_string(x.id)
                   + "\nevent: change\ndata: " + x.data + "\n\n";
      }
      cursor = next_id_ - 1;
    }
    auto now = std::chrono::steady_clock::now();
    if (batch.empty() && now - last_write >= opts_.heartbeat)
      batch = ": keepalive\n\n";
    if (batch.empty())
      continue;
    if (!out.write(batch))
      return;
    last_write = now;
  }
}

void store_api::take_events(json_watch events) {
  for (;;) {
    for (;;) {
      {
        std::lock_guard<std::mutex> guard{mtx_};
        if (closed_)
          return;
      }
      if (auto x = events.next(200ms)) {
        append(change_data(*x));
        continue;
      }
      auto why = events.ended();
      if (!why)
        continue;
      if (*why != watch_end::dropped) {
        close_log();
        return;
      }
      // Too slow for the store: changes were lost, streams must re-fetch.
      append({});
      break;
    }
    events = store_.watch(watch_filter::all());
  }
}

void store_api::append(std::string data) {
  {
    std::lock_guard<std::mutex> guard{mtx_};
    log_.push_back({next_id_++, std::move(data)});
    while (log_.size() > opts_.replay)
      log_.pop_front();
  }
  changed_.notify_all();
}

void store_api::close_log() {
  {
    std::lock_guard<std::mutex> guard{mtx_};
    closed_ = true;
  }
  changed_.notify_all();
}

} // namespace podshare::http
