// The feature-flags example: an operator pod rolls the flag "checkout-v2"
// through 1%, 10%, 50% and 100% of users, then rolls it back. A worker pod
// watches the `flags:` prefix and keeps the latest flag in a lock-free
// pointer, which its request path reads while requests keep coming in. An
// observer on the worker keeps per-team counts of the flags that are on,
// which the end checks against a recount of the same view.
#include "rollout.hpp"
#include "team_counts.hpp"

#include "podshare/configure.hpp"
#include "podshare/error.hpp"
#include "podshare/net/memory/spawn.hpp"
#include "podshare/store.hpp"
#include "podshare/version_vector.hpp"

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/send.hpp>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <optional>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

namespace {

using flag_store = podshare::store<flags::flag, flags::codec>;

const std::string flag_name = "checkout-v2";
const std::string flag_key
  = std::string{flags::key_prefix} + "payments/" + flag_name;

/// The other teams' flags, written before the rollout. A flag at 0% and one
/// switched off count as off.
const std::unordered_map<std::string, flags::flag> team_flags{
  {"flags:payments/one-click", {"one-click", true, 100}},
  {"flags:search/new-ranker", {"new-ranker", true, 20}},
  {"flags:search/typo-tolerance", {"typo-tolerance", true, 100}},
  {"flags:search/spellcheck-v3", {"spellcheck-v3", true, 0}},
  {"flags:growth/referral-banner", {"referral-banner", true, 5}},
  {"flags:growth/dark-mode", {"dark-mode", false, 100}},
};

/// The worker's request path: which users get the new checkout. Reads the
/// latest flag through the lock-free pointer; no store call, no lock.
bool serve_request(const flags::latest_flag& latest, const std::string& user) {
  return latest.read([&](const flags::flag* f) {
    return f != nullptr && flags::decide(*f, user);
  });
}

/// The worker's watch thread: keeps `latest` up to date until the stream
/// ends. The only writer of `latest`.
template <class Stream>
void follow_flags(Stream& events, flags::latest_flag& latest) {
  for (;;) {
    auto ev = events.next(std::chrono::milliseconds{100});
    if (!ev) {
      if (events.ended())
        return;
      continue;
    }
    if (ev->key != flag_key)
      continue;
    // A deleted flag is off for everyone.
    latest.publish(ev->value ? *ev->value : flags::flag{flag_name, false, 0});
  }
}

/// Polls `done` for up to ten seconds.
template <class Predicate>
bool eventually(Predicate done) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds{10};
  while (std::chrono::steady_clock::now() < deadline) {
    if (done())
      return true;
    std::this_thread::sleep_for(std::chrono::milliseconds{2});
  }
  return done();
}

void print_counts(const char* label, const flags::team_counts& counts) {
  std::printf("%s", label);
  for (auto& [team, n] : counts)
    std::printf(" %s=%d", team.c_str(), n);
  std::printf("\n");
}

/// Prints the worker's flags and its per-team counts, both read from one
/// view; returns whether the observer's counts equal a recount of the flags
/// beside them.
bool report_teams(const flag_store& worker,
                  const podshare::observer<flags::team_counts>& teams) {
  auto view = worker.view();
  auto listing = view.prefix(flags::key_prefix);
  auto& folded = view.derived(teams);
  auto recounted = flags::recount_teams(listing);
  std::printf("\nthe worker's flags at revision %llu, read from one view:\n",
              static_cast<unsigned long long>(view.revision()));
  for (auto& [key, f] : listing)
    std::printf("  %-30s %-3s %3d%%%s\n", key.c_str(), f.enabled ? "on" : "off",
                f.percent, flags::is_on(f) ? "" : "  (counts as off)");
  print_counts("flags on per team, kept by the observer:", folded);
  print_counts("flags on per team, recounted from the list:", recounted);
  if (auto why = teams.failure(); !why.empty())
    std::printf("the observer stopped: %s\n", why.c_str());
  auto same = folded == recounted && teams.failure().empty();
  std::printf("observer and recount agree: %s\n", same ? "yes" : "NO");
  return same;
}

bool run(caf::actor_system& sys, const podshare::transport_actor& transport) {
  auto operator_pod = flag_store::open(sys, "config", transport);
  auto worker_pod = flag_store::open(sys, "config", transport);
  if (!operator_pod || !worker_pod) {
    auto& err = !operator_pod ? operator_pod.error() : worker_pod.error();
    std::printf("open failed: %s\n", podshare::describe(err).c_str());
    return false;
  }
  auto give_up = [&](const char* why) {
    std::printf("%s\n", why);
    operator_pod->close();
    worker_pod->close();
    return false;
  };
  // The other teams' flags reach the worker before its observer starts,
  // which folds them in as it registers.
  auto written = operator_pod->set_many(team_flags);
  if (!written || written->empty()
      || worker_pod->wait_for(podshare::token_of(written->back()),
                              std::chrono::seconds{10}))
    return give_up("the team flags did not reach the worker");
  auto teams
    = worker_pod->observe<flags::team_counts>({}, flags::fold_team_counts);
  if (!teams)
    return give_up("the worker could not observe its store");
  flags::latest_flag latest;
  auto events = worker_pod->watch(
    podshare::watch_filter::prefix(std::string{flags::key_prefix}));
  std::thread watcher{[&] { follow_flags(events, latest); }};
  // Requests keep arriving on another thread while the flag changes.
  std::atomic<bool> stop{false};
  std::atomic<uint64_t> served{0};
  std::thread requests{[&] {
    for (uint64_t i = 0; !stop.load(std::memory_order_relaxed); ++i) {
      serve_request(latest, "user" + std::to_string(i % 1000));
      served.fetch_add(1, std::memory_order_relaxed);
    }
  }};

  const std::vector<std::string> users{"alice", "bob",   "carol", "dave",
                                       "erin",  "frank", "grace", "heidi"};
  std::printf("buckets (fnv1a(\"%s:<user>\") %% 100):", flag_name.c_str());
  for (auto& u : users)
    std::printf(" %s=%d", u.c_str(), flags::bucket(flag_name, u));
  std::printf("\n\n");

  struct stage {
    const char* label;
    flags::flag value;
  };
  const std::vector<stage> stages{
    {"roll out to 1%", {flag_name, true, 1}},
    {"roll out to 10%", {flag_name, true, 10}},
    {"roll out to 50%", {flag_name, true, 50}},
    {"roll out to 100%", {flag_name, true, 100}},
    {"roll back", {flag_name, false, 0}},
  };
  bool ok = true;
  std::optional<podshare::version> last_write;
  for (auto& s : stages) {
    auto res = operator_pod->set(flag_key, s.value);
    if (!res) {
      std::printf("set failed: %s\n", podshare::describe(res.error()).c_str());
      ok = false;
      continue;
    }
    last_write = *res;
    // The worker decides by what its watch thread last published.
    auto seen = eventually([&] {
      return latest.read(
        [&](const flags::flag* f) { return f != nullptr && *f == s.value; });
    });
    ok = ok && seen;
    int on = 0;
    for (int i = 0; i < 1000; ++i)
      on += serve_request(latest, "user" + std::to_string(i)) ? 1 : 0;
    std::printf("operator: %-16s worker sees it: %s; on for %4d of 1000 "
                "users\n ",
                s.label, seen ? "yes" : "NO", on);
    for (auto& u : users)
      std::printf(" %s=%s", u.c_str(), serve_request(latest, u) ? "on" : "off");
    std::printf("\n");
  }
  stop = true;
  requests.join();
  std::printf("\nthe request thread served %llu requests meanwhile\n",
              static_cast<unsigned long long>(served.load()));
  // The counts at the end of the rollout, once the worker has the rollback.
  ok = ok && last_write
       && !worker_pod->wait_for(podshare::token_of(*last_write),
                                std::chrono::seconds{10})
       && report_teams(*worker_pod, *teams);
  auto closed = !operator_pod->close() && !worker_pod->close();
  watcher.join();
  return ok && closed;
}

} // namespace

int main() {
  caf::actor_system_config cfg;
  podshare::configure(cfg);
  caf::actor_system sys{cfg};
  auto transport = podshare::net::spawn_memory_transport(sys);
  std::printf("an operator pod and a worker pod share topic \"config\" on a "
              "memory transport\n\n");
  auto ok = run(sys, transport);
  caf::anon_send(transport, caf::close_atom::value);
  std::printf("%s\n", ok ? "done" : "FAILED");
  return ok ? 0 : 1;
}
