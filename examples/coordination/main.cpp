// Three pods in one process on the memory transport, using the
// coordination library (docs/coordination.md): they join as members and
// split 256 partitions; one leaves and the others take its share; they
// count page views, one "crashes" and comes back as a new generation, and
// the dead slot is folded away; and a generation bump invalidates a cache
// entry on every pod.
#include "podshare/configure.hpp"
#include "podshare/coord/counters.hpp"
#include "podshare/coord/generation.hpp"
#include "podshare/coord/membership.hpp"
#include "podshare/coord/rendezvous.hpp"
#include "podshare/coord/replicated_generations.hpp"
#include "podshare/error.hpp"
#include "podshare/net/memory/spawn.hpp"

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <memory>
#include <string>
#include <thread>
#include <vector>

using namespace std::chrono_literals;
namespace coord = podshare::coord;

namespace {

int fail(const caf::error& err) {
  std::fprintf(stderr, "coordination: %s\n", podshare::describe(err).c_str());
  return 1;
}

// Waits until `done()` or 10 s passed.
template <class Predicate>
bool eventually(Predicate done) {
  for (int i = 0; i < 1000 && !done(); ++i)
    std::this_thread::sleep_for(10ms);
  return done();
}

// How many partitions `m` holds (none when its actor did not answer).
size_t held_count(const coord::membership& m) {
  auto held = m.held();
  return held ? held->size() : 0;
}

size_t held_by_all(const std::vector<coord::membership>& members) {
  size_t n = 0;
  for (auto& m : members)
    n += held_count(m);
  return n;
}

} // namespace

int main() {
  caf::actor_system_config cfg;
  podshare::configure(cfg, podshare::scheduling::on_demand);
  caf::actor_system sys{cfg};
  auto transport = podshare::net::spawn_memory_transport(sys);
  int rc = [&] {
    // -- membership ----------------------------------------------------------
    // Each pod's member heartbeats the generation its counter slot is
    // named by, so folding can tell a dead writer from a live one.
    std::vector<std::string> generations;
    std::vector<coord::membership> members;
    for (auto name : {"pod-a", "pod-b", "pod-c"}) {
      coord::membership_options opts;
      opts.name = name;
      opts.ttl = 800ms; // short, for the example; the default is 10 s
      opts.generation = coord::fresh_generation();
      generations.push_back(opts.generation);
      auto m = coord::membership::join(sys, transport, opts);
      if (!m)
        return fail(m.error());
      members.push_back(std::move(*m));
    }
    if (!eventually([&] { return held_by_all(members) == 256; }))
      return fail(caf::make_error(podshare::ec::timeout, "no split"));
    for (auto& m : members)
      std::printf("%s holds %zu of 256 partitions\n", m.name().c_str(),
                  held_count(m));
    auto p = coord::partition_of("acme", "user-42");
    auto owner = members[0].owner(p);
    if (!owner)
      return fail(owner.error());
    std::printf("acme/user-42 is partition %u, owned by %s\n", p,
                owner->c_str());
    // -- a crash-safe counter -------------------------------------------------
    std::vector<std::unique_ptr<coord::counters>> views;
    for (auto& g : generations) {
      coord::counters_options opts;
      opts.writer = g;
      auto c = coord::counters::open(sys, transport, opts);
      if (!c)
        return fail(c.error());
      views.push_back(std::move(*c));
    }
    for (int i = 0; i < 100; ++i)
      for (auto& v : views)
        if (auto res = v->incr("page:/home"); !res)
          return fail(res.error());
    // Prints the value once every open pod reads `want`.
    auto report = [&](const char* when, int64_t want) {
      auto agreed = eventually([&] {
        return std::all_of(views.begin(), views.end(), [&](auto& v) {
          return v->value("page:/home") == want;
        });
      });
      if (!agreed)
        return false;
      std::printf("%s: page:/home = %lld on every pod, in %zu slots\n", when,
                  static_cast<long long>(want), views[0]->slots("page:/home"));
      return true;
    };
    if (!report("300 increments", 300))
      return fail(caf::make_error(podshare::ec::timeout, "no agreement"));
    // pod-c goes away: its partitions move, its slot can be folded.
    views[2]->close();
    views.pop_back();
    members[2].leave();
    if (!eventually([&] {
          return held_count(members[0]) + held_count(members[1]) == 256;
        }))
      return fail(caf::make_error(podshare::ec::timeout, "no takeover"));
    std::printf("pod-c left: pod-a holds %zu, pod-b %zu\n",
                held_count(members[0]), held_count(members[1]));
    // A real service folds every few minutes with a quarantine of hours.
    for (size_t i = 0; i < 2; ++i)
      if (auto folded = views[i]->fold(members[i], 0ms); !folded)
        return fail(folded.error());
    if (!report("pod-c's slot folded", 300))
      return fail(caf::make_error(podshare::ec::timeout, "no agreement"));
    // pod-b "crashes" and comes back with nothing: a new generation.
    views[1]->close();
    views.pop_back();
    coord::counters_options again;
    again.writer = coord::fresh_generation();
    auto restarted = coord::counters::open(sys, transport, again);
    if (!restarted)
      return fail(restarted.error());
    views.push_back(std::move(*restarted));
    if (auto res = views.back()->incr("page:/home", 5); !res)
      return fail(res.error());
    if (!report("pod-b restarted and counted 5", 305))
      return fail(caf::make_error(podshare::ec::timeout, "no agreement"));
    // -- generations ----------------------------------------------------------
    auto g1 = coord::replicated_generations::open(sys, transport);
    auto g2 = coord::replicated_generations::open(sys, transport);
    if (!g1 || !g2)
      return fail(!g1 ? g1.error() : g2.error());
    auto cached_at = *(*g2)->snapshot("user:42");
    if (auto res = (*g1)->bump("user:42"); !res)
      return fail(res.error());
    if (!eventually([&] { return *(*g2)->snapshot("user:42") > cached_at; }))
      return fail(caf::make_error(podshare::ec::timeout, "bump not seen"));
    std::printf("user:42 cached at generation %llu; after a bump on another "
                "pod it is %llu: the cached entry is stale\n",
                static_cast<unsigned long long>(cached_at),
                static_cast<unsigned long long>(*(*g2)->snapshot("user:42")));
    (*g1)->close();
    (*g2)->close();
    for (auto& v : views)
      v->close();
    members[0].leave();
    members[1].leave();
    return 0;
  }();
  anon_send_exit(transport, caf::exit_reason::user_shutdown);
  return rc;
}
