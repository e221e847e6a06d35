// A pod of the coordination process tests (coord_processes.sh): joins a
// topic over Redis or P2P with podsharectl's transport flags, then
//   count KEY N   increments KEY N times, printing "acked I" after each
//                 increment the counter acknowledged;
//   bump KEY N    bumps generation KEY N times while a reader checks that
//                 the generation never goes down;
//   member        joins the presence topic and prints "held P,Q,..." on
//                 every ownership change;
// then, for count and bump, prints "done" and "value V" whenever the value
// it reads changes, until SIGTERM.
#include "exit_code.hpp"
#include "transport_choice.hpp"

#include "podshare/configure.hpp"
#include "podshare/coord/counters.hpp"
#include "podshare/coord/membership.hpp"
#include "podshare/coord/replicated_generations.hpp"
#include "podshare/error.hpp"

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>

#include <CLI/CLI.hpp>

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <mutex>
#include <string>
#include <thread>

namespace {

std::atomic<bool> stop_requested{false};

extern "C" void on_stop_signal(int) {
  stop_requested.store(true);
}

std::mutex print_mtx;

void say(const std::string& line) {
  std::lock_guard<std::mutex> guard{print_mtx};
  std::printf("%s\n", line.c_str());
  std::fflush(stdout);
}

// Prints "value V" whenever `read` answers something new, until SIGTERM.
template <class Read>
void report_values(Read read) {
  say("done");
  std::string last;
  while (!stop_requested.load()) {
    auto now = std::to_string(read());
    if (now != last)
      say("value " + now);
    last = now;
    std::this_thread::sleep_for(std::chrono::milliseconds{50});
  }
}

int count(caf::actor_system& sys, podshare::transport_actor transport,
          const std::string& key, uint64_t times) {
  auto c = podshare::coord::counters::open(sys, transport);
  if (!c) {
    say("error " + podshare::describe(c.error()));
    return 3;
  }
  // "counted N": increments this pod counted; "acked N": of those, the
  // ones its peers acknowledged.
  uint64_t counted = 0;
  uint64_t acked = 0;
  while (counted < times && !stop_requested.load()) {
    auto v = (*c)->incr(key);
    if (v || v.error() == podshare::ec::broadcast_failed)
      say("counted " + std::to_string(++counted));
    if (v) {
      say("acked " + std::to_string(++acked));
    } else {
      // Counted but unconfirmed: not retried (that would count it twice).
      // Anything else did not count: retried, as an application would.
      say("failed " + podshare::describe(v.error()));
      std::this_thread::sleep_for(std::chrono::milliseconds{20});
    }
  }
  report_values([&] { return (*c)->value(key); });
  (*c)->close();
  return 0;
}

int bump(caf::actor_system& sys, podshare::transport_actor transport,
         const std::string& key, uint64_t times) {
  auto g = podshare::coord::replicated_generations::open(sys, transport);
  if (!g) {
    say("error " + podshare::describe(g.error()));
    return 3;
  }
  std::atomic<bool> done{false};
  std::atomic<uint64_t> went_down{0};
  std::thread reader{[&] {
    uint64_t last = 0;
    while (!done.load()) {
      auto now = *(*g)->snapshot(key);
      if (now < last)
        ++went_down;
      last = now;
    }
  }};
  for (uint64_t i = 0; i < times; ++i)
    if (!(*g)->bump(key))
      say("bump failed");
  say("bumped " + std::to_string(times) + " down "
      + std::to_string(went_down.load()));
  report_values([&] { return *(*g)->snapshot(key); });
  done = true;
  reader.join();
  (*g)->close();
  return 0;
}

int member(caf::actor_system& sys, podshare::transport_actor transport,
           const std::string& name) {
  podshare::coord::membership_options opts;
  opts.name = name;
  opts.ttl = std::chrono::seconds{2};
  auto m = podshare::coord::membership::join(sys, transport, opts);
  if (!m) {
    say("error " + podshare::describe(m.error()));
    return 3;
  }
  std::string last;
  while (!stop_requested.load()) {
    auto held = m->held();
    if (!held) {
      std::this_thread::sleep_for(std::chrono::milliseconds{50});
      continue;
    }
    std::string now;
    for (auto p : *held)
      now += (now.empty() ? "" : ",") + std::to_string(p);
    if (now != last)
      say("held " + now);
    last = now;
    std::this_thread::sleep_for(std::chrono::milliseconds{50});
  }
  m->leave();
  return 0;
}

} // namespace

int main(int argc, char** argv) {
  CLI::App app{"a pod of the coordination process tests"};
  podsharectl::transport_flags flags;
  podsharectl::add_transport_flags(app, flags);
  std::string mode;
  std::string key = "hits";
  std::string name;
  uint64_t times = 0;
  app.add_option("MODE", mode)
    ->required()
    ->check(CLI::IsMember({"count", "bump", "member"}));
  app.add_option("--key", key);
  app.add_option("--times", times);
  app.add_option("--name", name);
  CLI11_PARSE(app, argc, argv);
  caf::actor_system_config cfg;
  if (auto prepared = podsharectl::prepare_system(cfg, flags);
      prepared.code != podsharectl::exit_code::ok) {
    say("error " + prepared.reason);
    return 2;
  }
  // Three pods, a redis-server and the script share two cores: workers that
  // poll while idle would take them from the pods with work.
  podshare::configure(cfg, podshare::scheduling::on_demand);
  caf::actor_system sys{cfg};
  std::signal(SIGTERM, on_stop_signal);
  std::signal(SIGINT, on_stop_signal);
  auto transport = podsharectl::choose_transport(sys, flags);
  if (transport.outcome.code != podsharectl::exit_code::ok) {
    say("error " + transport.outcome.reason);
    return 3;
  }
  // Over P2P: meet a peer first, so that the snapshot comes from one.
  if (transport.mesh)
    podsharectl::wait_for_peers(transport, 1, std::chrono::seconds{10});
  int rc = mode == "count"  ? count(sys, transport.handle, key, times)
           : mode == "bump" ? bump(sys, transport.handle, key, times)
                            : member(sys, transport.handle, name);
  podsharectl::close_transport(sys, transport);
  return rc;
}
