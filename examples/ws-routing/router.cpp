#include "router.hpp"

#include "podshare/error.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>

namespace ws_routing {

namespace {

using nlohmann::json;
using podshare::bytes;

std::string target_of(const std::string& user) {
  return "ws:" + user;
}

// The outcome of a failed call, as the client sees it: "no_route", ...
std::string outcome_name(const caf::error& err) {
  if (err.category() != podshare::error_category)
    return "error";
  return podshare::to_string(static_cast<podshare::ec>(err.code()));
}

} // namespace

bool router::valid_user(std::string_view name) {
  return !name.empty() && name.size() <= 64
         && std::all_of(name.begin(), name.end(), [](char c) {
              return std::isalnum(static_cast<unsigned char>(c)) || c == '_'
                     || c == '-';
            });
}

std::string router::user_of(const socket_ptr& ws) {
  return ws->opened_with().param("user").value_or("");
}

podshare::http::websocket_handlers router::handlers() {
  podshare::http::websocket_handlers h;
  h.accept = [](const podshare::http::request& req) {
    auto user = req.param("user");
    return user && valid_user(*user);
  };
  h.opened = [this](const socket_ptr& ws) { opened(ws); };
  h.message = [this](const socket_ptr& ws, std::string_view text) {
    message(ws, text);
  };
  h.closed = [this](const socket_ptr& ws) { closed(ws); };
  return h;
}

void router::opened(const socket_ptr& ws) {
  auto user = user_of(ws);
  std::lock_guard<std::mutex> claiming{claims_mtx_};
  {
    std::lock_guard<std::mutex> guard{mtx_};
    sockets_[user] = ws;
  }
  // Claims ws:<user> for this pod: a socket of the user on another pod
  // loses it, and messages follow the user here.
  auto err = ep_.register_handler(
    target_of(user), "send",
    [this, user](const podshare::callreply::call_context&, const bytes& args) {
      return deliver(user, args);
    });
  if (err) {
    ws->send(
      json{{"type", "error"}, {"reason", podshare::describe(err)}}.dump());
    return;
  }
  ws->send(json{{"type", "hello"}, {"user", user}, {"pod", ep_.pod()}}.dump());
}

caf::expected<bytes> router::deliver(const std::string& user,
                                     const bytes& args) {
  socket_ptr ws;
  {
    std::lock_guard<std::mutex> guard{mtx_};
    if (auto i = sockets_.find(user); i != sockets_.end())
      ws = i->second;
  }
  if (ws == nullptr
      || !ws->send(std::string_view{reinterpret_cast<const char*>(args.data()),
                                    args.size()}))
    return caf::make_error(podshare::ec::handler_error,
                           user + "'s socket closed");
  return bytes{};
}

void router::message(const socket_ptr& ws, std::string_view text) {
  auto from = user_of(ws);
  auto in = json::parse(text, nullptr, false);
  if (in.is_discarded() || !in.is_object() || !in.contains("to")
      || !in["to"].is_string() || !in.contains("text")
      || !in["text"].is_string()) {
    ws->send(
      json{{"type", "error"}, {"reason", R"(send {"to": USER, "text": TEXT})"}}
        .dump());
    return;
  }
  auto to = in["to"].get<std::string>();
  auto payload
    = json{{"type", "message"}, {"from", from}, {"text", in["text"]}}.dump();
  auto res
    = ep_.call(target_of(to), "send", bytes(payload.begin(), payload.end()));
  // The answer names the message by the id the client gave it, if any.
  auto answer = res ? json{{"type", "sent"}, {"to", to}}
                    : json{{"type", "error"},
                           {"to", to},
                           {"outcome", outcome_name(res.error())},
                           {"reason", podshare::reason_of(res.error())}};
  if (in.contains("id"))
    answer["id"] = in["id"];
  ws->send(answer.dump());
}

void router::closed(const socket_ptr& ws) {
  auto user = user_of(ws);
  std::lock_guard<std::mutex> claiming{claims_mtx_};
  {
    std::lock_guard<std::mutex> guard{mtx_};
    auto i = sockets_.find(user);
    // A newer socket of the user here keeps the claim.
    if (i == sockets_.end() || i->second != ws)
      return;
    sockets_.erase(i);
  }
  // Gives ws:<user> up unless another pod took it meanwhile.
  ep_.unregister(target_of(user));
}

} // namespace ws_routing
