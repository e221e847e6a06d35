// A tour of podshare in one process: three stores share the topic "demo" on
// one in-memory transport, the way three pods share a topic over Redis. A
// plain thread watches store C while A and B write.
#include "podshare/configure.hpp"
#include "podshare/error.hpp"
#include "podshare/net/memory/spawn.hpp"
#include "podshare/store.hpp"

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/send.hpp>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <optional>
#include <string>
#include <thread>

namespace {

using flag_store = podshare::store<std::string>;

/// Events the watcher has printed; main waits for them to keep the output in
/// order.
std::atomic<int> events_seen{0};

/// Prints every event of `events` until the stream ends.
template <class Stream>
void print_events(Stream& events) {
  for (;;) {
    if (auto ev = events.next(std::chrono::milliseconds{100})) {
      if (ev->value)
        std::printf("  watch C: set    %-11s = \"%s\"\n", ev->key.c_str(),
                    ev->value->c_str());
      else
        std::printf("  watch C: delete %s\n", ev->key.c_str());
      ++events_seen;
    } else if (auto why = events.ended()) {
      std::printf("  watch C: stream ended (%s)\n", podshare::to_string(*why));
      return;
    }
  }
}

/// Polls `done` for up to two seconds.
template <class Predicate>
bool eventually(Predicate done) {
  for (int i = 0; i < 200; ++i) {
    if (done())
      return true;
    std::this_thread::sleep_for(std::chrono::milliseconds{10});
  }
  return done();
}

void print_stats(const char* name, const flag_store& s) {
  auto x = s.stats();
  std::printf("  %s: writes_local=%llu writes_applied=%llu keys=%llu "
              "tombstones=%llu\n",
              name, static_cast<unsigned long long>(x.writes_local),
              static_cast<unsigned long long>(x.writes_applied),
              static_cast<unsigned long long>(x.keys),
              static_cast<unsigned long long>(x.tombstones));
}

bool fail(const caf::error& err) {
  std::printf("open failed: %s\n", podshare::describe(err).c_str());
  return false;
}

std::string show(const std::optional<std::string>& x) {
  return x ? '"' + *x + '"' : std::string{"(none)"};
}

bool run(caf::actor_system& sys, const podshare::transport_actor& transport) {
  // [usage]
  // Three stores on one topic, as three pods would open it.
  auto a = flag_store::open(sys, "demo", transport);
  auto b = flag_store::open(sys, "demo", transport);
  auto c = flag_store::open(sys, "demo", transport);
  if (!a || !b || !c)
    return fail((!a ? a : !b ? b : c).error());
  // A blocking watcher for plain threads: what C applies from now on.
  auto events = c->watch(podshare::watch_filter::all());
  std::thread watcher{[&events] { print_events(events); }};
  // Writes apply locally, then reach the peers; each returns the version.
  a->set("checkout.v2", "on");
  b->set("banner", "spring sale");
  a->erase("banner");
  // Reads are local: no message, no round trip.
  std::optional<std::string> flag = a->get("checkout.v2");
  // [usage]
  auto region = b->set("region", "eu-west");
  if (!region)
    std::printf("  set failed: %s\n",
                podshare::describe(region.error()).c_str());
  // Peers apply writes asynchronously: wait until all have the last one.
  auto converged = eventually(
    [&] { return events_seen == 4 && a->get("region") && c->get("region"); });
  std::printf("\nA read checkout.v2 = %s right after its own write\n",
              show(flag).c_str());
  std::printf("\nevery store reads the same values:\n");
  for (const char* key : {"checkout.v2", "banner", "region"})
    std::printf("  %-11s A=%-9s B=%-9s C=%s\n", key, show(a->get(key)).c_str(),
                show(b->get(key)).c_str(), show(c->get(key)).c_str());
  std::printf("\nstats:\n");
  print_stats("A", *a);
  print_stats("B", *b);
  print_stats("C", *c);
  std::printf("\nclosing (this ends the watch):\n");
  auto closed = !a->close() && !b->close() && !c->close();
  watcher.join();
  return region && converged && closed && a->get("region") == c->get("region");
}

} // namespace

int main() {
  caf::actor_system_config cfg;
  // Lets `sys.render(err)` print podshare's codes by name.
  podshare::configure(cfg);
  caf::actor_system sys{cfg};
  auto transport = podshare::net::spawn_memory_transport(sys);
  std::printf("three stores share topic \"demo\" on a memory transport\n\n");
  auto ok = run(sys, transport);
  // The application owns the transport: closing the stores leaves it open.
  caf::anon_send(transport, caf::close_atom::value);
  std::printf("%s\n", ok ? "done" : "FAILED");
  return ok ? 0 : 1;
}
