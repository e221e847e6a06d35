#include "podshare/callreply/endpoint_state.hpp"

#include "podshare/error.hpp"

namespace podshare::callreply {

namespace {

// The names of the outcomes a reply's `code` carries.
struct code_name {
  ec code;
  const char* name;
};

constexpr code_name reply_codes[] = {
  {ec::busy, "busy"},       {ec::no_handler, "no_handler"},
  {ec::timeout, "timeout"}, {ec::handler_error, "handler_error"},
  {ec::closed, "closed"},
};

} // namespace

const handler_actor*
endpoint_state::find_handler(const std::string& target,
                             const std::string& method) const {
  auto i = handlers.find(target);
  if (i == handlers.end())
    return nullptr;
  auto j = i->second.find(method);
  return j != i->second.end() ? &j->second : nullptr;
}

void endpoint_state::count(const caf::error& outcome) {
  if (!outcome) {
    ++stats.ok;
    return;
  }
  if (outcome.category() != error_category) {
    ++stats.handler_error;
    return;
  }
  switch (static_cast<ec>(outcome.code())) {
    case ec::no_route: ++stats.no_route; break;
    case ec::no_handler: ++stats.no_handler; break;
    case ec::busy: ++stats.busy; break;
    case ec::timeout: ++stats.timeout; break;
    case ec::unreachable: ++stats.unreachable; break;
    case ec::closed: ++stats.closed; break;
    default: ++stats.handler_error; break;
  }
}

void endpoint_state::report(const caf::error& err) const {
  if (cfg.error_handler)
    cfg.error_handler(err);
}

caf::expected<bytes> outcome_of(envelope& reply) {
  if (reply.error.empty())
    return std::move(reply.result);
  for (auto& x : reply_codes)
    if (reply.code == x.name)
      return caf::make_error(x.code, std::move(reply.error));
  // A Go pod's words.
  if (reply.error == "endpoint busy")
    return caf::make_error(ec::busy, std::move(reply.error));
  if (reply.error.rfind("no handler for ", 0) == 0)
    return caf::make_error(ec::no_handler, std::move(reply.error));
  return caf::make_error(ec::handler_error, std::move(reply.error));
}

envelope reply_to(const envelope& call, const caf::expected<bytes>& result) {
  envelope out;
  out.type = "reply";
  out.id = call.id;
  if (result) {
    out.result = *result;
    return out;
  }
  auto& err = result.error();
  out.error = reason_of(err);
  out.code = "handler_error";
  if (err.category() == error_category)
    for (auto& x : reply_codes)
      if (static_cast<ec>(err.code()) == x.code)
        out.code = x.name;
  return out;
}

} // namespace podshare::callreply
