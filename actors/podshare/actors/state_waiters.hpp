#pragma once

#include "podshare/interfaces.hpp"
#include "podshare/version_vector.hpp"

#include <caf/error.hpp>
#include <caf/typed_response_promise.hpp>

#include <cstddef>
#include <cstdint>
#include <vector>

namespace podshare::actors {

/// Requests that wait for their store to reach a state: a write applied
/// (`wait(token)`), a local revision (`wait(revision)`, `next`). The store
/// settles them after every change it applies and expires them at their
/// timeout.
class state_waiters {
public:
  using token_promise = caf::typed_response_promise<ok_atom>;
  using revision_promise = caf::typed_response_promise<uint64_t>;

  /// Waits for the write `token` names; returns the wait's id.
  uint64_t add(write_token token, token_promise promise) {
    tokens_.push_back({next_id_, std::move(token), std::move(promise)});
    return next_id_++;
  }

  /// Waits for the revision to reach `revision`; returns the wait's id.
  uint64_t add(uint64_t revision, revision_promise promise) {
    revisions_.push_back({next_id_, revision, std::move(promise)});
    return next_id_++;
  }

  /// Answers every wait that `applied` and `revision` satisfy.
  void settle(const version_vector& applied, uint64_t revision) {
    erase_if(tokens_, [&](token_wait& x) {
      if (!applied.covers(x.token.origin, x.token.incarnation, x.token.seq))
        return false;
      x.promise.deliver(ok_atom::value);
      return true;
    });
    erase_if(revisions_, [&](revision_wait& x) {
      if (revision < x.revision)
        return false;
      x.promise.deliver(revision);
      return true;
    });
  }

  /// Fails the wait `id`, if it is still waiting.
  void fail(uint64_t id, const caf::error& err) {
    auto failed = [&](auto& x) {
      if (x.id != id)
        return false;
      x.promise.deliver(err);
      return true;
    };
    erase_if(tokens_, failed);
    erase_if(revisions_, failed);
  }

  /// Fails every wait (the store closes).
  void fail_all(const caf::error& err) {
    for (auto& x : tokens_)
      x.promise.deliver(err);
    for (auto& x : revisions_)
      x.promise.deliver(err);
    tokens_.clear();
    revisions_.clear();
  }

  bool empty() const noexcept { return tokens_.empty() && revisions_.empty(); }

private:
  struct token_wait {
    uint64_t id;
    write_token token;
    token_promise promise;
  };

  struct revision_wait {
    uint64_t id;
    uint64_t revision;
    revision_promise promise;
  };

  template <class Waits, class Done>
  static void erase_if(Waits& xs, Done done) {
    size_t kept = 0;
    for (size_t i = 0; i < xs.size(); ++i) {
      if (done(xs[i]))
        continue;
      if (kept != i)
        xs[kept] = std::move(xs[i]);
      ++kept;
    }
    xs.erase(xs.begin() + static_cast<std::ptrdiff_t>(kept), xs.end());
  }

  std::vector<token_wait> tokens_;
  std::vector<revision_wait> revisions_;
  uint64_t next_id_ = 1;
};

} // namespace podshare::actors
