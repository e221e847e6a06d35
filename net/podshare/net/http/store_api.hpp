#pragma once

#include "podshare/codec.hpp"
#include "podshare/net/http/server.hpp"
#include "podshare/store.hpp"

#include <caf/timespan.hpp>

#include <nlohmann/json.hpp>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <string>
#include <thread>

namespace podshare::http {

/// A store of JSON documents, as podsharectl and the web demo keep them.
using json_store = store<nlohmann::json, json_codec<nlohmann::json>>;

/// A blocking watch of a `json_store`.
using json_watch = watch_stream<nlohmann::json, json_codec<nlohmann::json>>;

/// The web API of one store, compatible with the Go podshare's `web`
/// example (docs/http.md): `GET /api/state`, `POST /api/set`, `POST
/// /api/delete`, `GET /api/stats`, `GET /api/events` (Server-Sent Events,
/// resumable with `Last-Event-ID`) and `GET /` (the page); beyond Go,
/// `GET /api/get?key=K` (one value, a counted read). A thread of its
/// own takes the store's events into a bounded log that every event stream
/// reads; the store never waits for a client.
class store_api {
public:
  struct options {
    /// Changes kept for streams that reconnect and resume.
    size_t replay = 1000;
    /// A stream with nothing to send says so this often (a comment line),
    /// which frees the threads of clients that went away.
    caf::timespan heartbeat = std::chrono::seconds{15};
  };

  /// Watches `store` from now on: every later change reaches the streams.
  store_api(json_store store, options opts);
  explicit store_api(json_store store) : store_api(std::move(store), {}) {}

  /// Stops the log's thread; streams end.
  ~store_api();

  store_api(const store_api&) = delete;
  store_api& operator=(const store_api&) = delete;

  /// Adds the routes to `srv`.
  void install(server& srv);

  /// The colour the page shows this pod in (from its node id).
  std::string color() const;

private:
  struct change {
    uint64_t id;
    std::string data;
  };

  response state() const;
  response get(const request& req) const;
  response set(const request& req);
  response erase(const request& req);
  void events(const request& req, stream& out);
  void take_events(json_watch events);
  void append(std::string data);
  void close_log();

  json_store store_;
  options opts_;
  mutable std::mutex mtx_;
  std::condition_variable changed_;
  /// The newest changes, ids ascending; `next_id_` is the next one's.
  std::deque<change> log_;
  uint64_t next_id_ = 0;
  bool closed_ = false;
  std::thread taker_;
};

} // namespace podshare::http
