#pragma once

#include <caf/actor_cast.hpp>
#include <caf/actor_system.hpp>
#include <caf/error.hpp>
#include <caf/expected.hpp>
#include <caf/message.hpp>
#include <caf/sec.hpp>
#include <caf/timespan.hpp>

#include <optional>
#include <utility>

namespace podshare::detail {

/// The answer a blocking call received: the reply message, or nothing when
/// the deadline passed first.
using call_answer = std::optional<caf::message>;

/// Sends `content` as a request to `dest` from a throwaway reply sink and
/// waits for the answer on the calling thread: it spins for a few
/// microseconds (a store that is already running answers in about that
/// time), then parks until the answer or `timeout`. Unlike a `scoped_actor`,
/// nothing is spawned or scheduled on the caller's side, and a caller that
/// is still spinning when the answer lands needs no wake-up.
call_answer blocking_request(caf::actor_system& sys,
                             const caf::strong_actor_ptr& dest,
                             caf::message content, caf::timespan timeout);

/// Sends `xs...` to the typed actor `dest` and returns its reply of type
/// `Reply`, or the error it answered (a dead actor answers
/// `request_receiver_down`; a missed deadline `request_timeout`).
template <class Reply, class Handle, class... Ts>
caf::expected<Reply> blocking_call(caf::actor_system& sys, const Handle& dest,
                                   caf::timespan timeout, Ts&&... xs) {
  auto answer
    = blocking_request(sys, caf::actor_cast<caf::strong_actor_ptr>(dest),
                       caf::make_message(std::forward<Ts>(xs)...), timeout);
  if (!answer)
    return caf::make_error(caf::sec::request_timeout);
  if (answer->template match_elements<Reply>())
    return std::move(answer->template get_mutable_as<Reply>(0));
  if (answer->template match_elements<caf::error>())
    return std::move(answer->template get_mutable_as<caf::error>(0));
  return caf::make_error(caf::sec::unexpected_response);
}

} // namespace podshare::detail
