// Two pods in two processes over loopback. The parent starts itself again
// as the peer (`--serve`), then measures, in one run:
//   - raw TCP: 64-byte ping-pong round trips between the same processes;
//   - raw Redis pub/sub: publish -> receive with two hiredis clients;
//   - store apply: a store applying batches of 1,000 writes from another
//     pod, delivered to it with no network: what the receiver can do;
//   - a CAF request through the peer's p2p client port (BASP), p2p only;
//   - write -> remote watch at low load, one way: "ping" from here seen by
//     the peer's watcher, its "pong" seen by ours (both samples count);
//   - throughput: N pipelined writes until the peer's watcher has seen
//     them all, with every write's write -> remote watch time under load;
//     the transport alone; set_many of 1,000;
// and prints each goal of docs/performance.md with its ratio.
//
//   podshare-link-bench [--transport p2p|redis] [--tls DIR]
//                       [--scheduling default|on-demand|responsive]
//                       [--writes N] [--rounds N] [--keys N]

#include "baselines.hpp"
#include "calls.hpp"
#include "pod.hpp"

#include "podshare/codec.hpp"
#include "podshare/net/memory/spawn.hpp"
#include "podshare/wire.hpp"
#include "support/redis_server.hpp"

#include <caf/event_based_actor.hpp>
#include <caf/io/middleman.hpp>
#include <caf/scoped_actor.hpp>
#include <caf/send.hpp>
#include <caf/typed_event_based_actor.hpp>

#include <spdlog/spdlog.h>

#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <functional>
#include <future>
#include <iostream>
#include <sstream>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

using namespace podshare;
using namespace podshare::bench;

namespace {

constexpr size_t value_size = 64;

// A 64-byte value that starts with its send time.
std::string stamped_value() {
  auto x = std::to_string(steady_ns()) + ":";
  x.resize(value_size, 'v');
  return x;
}

int64_t age_of(const std::string& value) {
  return steady_ns() - std::stoll(value.substr(0, value.find(':')));
}

// The peer: answers "ping" with "pong" and "ping-loaded" with "pong-loaded"
// and takes the one-way time of each, counts "w" keys and answers "end"
// with "done" = the count. Prints its samples when stdin closes.
int serve(const link_setup& setup) {
  pod p{setup, {}, "peer", true};
  auto echo = answer_calls(p);
  auto tcp = start_echo_server();
  std::cout << "ready " << p.port() << " " << tcp << " " << p.client_port()
            << std::endl;
  auto store = p.st->actor();
  // Counts raw messages on topic "raw"; an empty payload is the end marker,
  // answered by writing "rawdone" = the count.
  auto raw_counter = p.sys->spawn([store]() -> subscriber_actor::behavior_type {
    auto n = std::make_shared<uint64_t>(0);
    return {
      [n, store](deliver_atom, const std::string&, const bytes& x,
                 const ingest_ticket&) {
        if (!x.empty()) {
          ++*n;
          return;
        }
        auto v = *msgpack_codec<std::string>::encode(std::to_string(*n));
        caf::anon_send(store, set_atom::value,
                       write_item{"rawdone", v, nullptr});
      },
      [](resync_atom, const std::string&) {},
    };
  });
  {
    caf::scoped_actor self{*p.sys};
    self
      ->request(p.transport, std::chrono::seconds{5}, subscribe_atom::value,
                std::string{"raw"}, raw_counter)
      .receive([](ok_atom) {}, [](caf::error&) {});
  }
  std::vector<int64_t> low_load;
  std::vector<int64_t> under_load;
  auto events = p.st->watch(watch_filter::all());
  std::thread watcher{[&] {
    uint64_t seen = 0;
    for (;;) {
      auto ev = events.next(std::chrono::hours{1});
      if (!ev)
        return;
      if (ev->key == "ping") {
        low_load.push_back(age_of(*ev->value));
        p.st->set("pong", stamped_value());
      } else if (ev->key == "ping-loaded") {
        under_load.push_back(age_of(*ev->value));
        p.st->set("pong-loaded", stamped_value());
      } else if (ev->key == "end") {
        p.st->set("done", std::to_string(seen));
      } else if (ev->key[0] == 'w') {
        ++seen;
      }
    }
  }};
  std::string line;
  std::getline(std::cin, line); // until the parent closes our stdin
  echo.close();
  p.st->close();
  watcher.join();
  std::cout << "samples";
  for (auto* xs : {&low_load, &under_load})
    std::cout << " " << quantile_us(*xs, 0.5) << " " << quantile_us(*xs, 0.99)
              << " " << xs->size();
  std::cout << std::endl;
  caf::anon_send_exit(raw_counter, caf::exit_reason::user_shutdown);
  return 0;
}

// Round trips of `get` through a remote store handle fetched from the
// peer's client port, from an actor system of its own.
std::vector<int64_t> client_round_trips(const link_setup& setup, uint16_t port,
                                        int rounds) {
  caf::actor_system_config cfg;
  configure_like_a_pod(cfg, setup);
  caf::actor_system sys{cfg};
  auto entry
    = sys.middleman().remote_actor<net::p2p_entry_actor>("127.0.0.1", port);
  if (!entry)
    return {};
  caf::scoped_actor self{sys};
  store_actor remote;
  self
    ->request(*entry, std::chrono::seconds{10}, net::get_store_atom::value,
              std::string{"bench"})
    .receive([&](store_actor& x) { remote = std::move(x); },
             [](caf::error&) {});
  std::vector<int64_t> out;
  for (int i = 0; remote && i < rounds; ++i) {
    auto t0 = steady_ns();
    bool answered = false;
    self
      ->request(remote, std::chrono::seconds{10}, get_atom::value,
                std::string{"ping"})
      .receive([&](const podshare::entry&) { answered = true; },
               [](caf::error&) {});
    if (!answered)
      break;
    out.push_back(steady_ns() - t0);
  }
  return out;
}

// Writes per second a store applies when `writes` writes of another pod
// arrive in batches of 1,000, with no network: `deliver` messages to the
// store actor, as a transport sends them, over 10,000 keys.
double store_apply_rate(const link_setup& setup, int writes, int keys) {
  caf::actor_system_config cfg;
  configure(cfg, setup.workers);
  caf::actor_system sys{cfg};
  auto s = string_store::open(sys, "apply", net::spawn_memory_transport(sys));
  if (!s)
    return 0;
  std::vector<bytes> batches;
  std::vector<event> changes;
  auto value = *msgpack_codec<std::string>::encode(stamped_value());
  auto now = std::chrono::duration_cast<std::chrono::nanoseconds>(
               std::chrono::system_clock::now().time_since_epoch())
               .count();
  for (int i = 0; i < writes; ++i) {
    changes.push_back(event{
      event_kind::set, "k" + std::to_string(keys > 0 ? i % keys : i), value,
      nullptr, version{now + i, "another-pod", static_cast<uint64_t>(i + 1)}});
    if (changes.size() == 1000 || i + 1 == writes) {
      batches.push_back(wire::encode_events(wire::format::msgpack, changes));
      changes.clear();
    }
  }
  auto t0 = steady_ns();
  for (auto& b : batches)
    caf::anon_send(s->actor(), deliver_atom::value, std::string{"apply"}, b,
                   ingest_ticket{});
  while (s->stats().writes_applied < static_cast<uint64_t>(writes))
    std::this_thread::sleep_for(std::chrono::microseconds{200});
  auto elapsed = steady_ns() - t0;
  s->close();
  return writes / (elapsed / 1e9);
}

// Sends `send_one(self, i)` for i below `total` with `window` unanswered
// at most, from an actor, and returns once all are answered. Not a blocking
// receive loop, whose condition-variable wake-up per reply (about 55 us
// here) would bound the rate instead of the pods.
using send_fn = std::function<void(caf::event_based_actor*, int)>;

void pipeline(caf::actor_system& sys, int total, int window, send_fn send_one) {
  auto done = std::make_shared<std::promise<void>>();
  auto finished = done->get_future();
  sys.spawn([=](caf::event_based_actor* self) -> caf::behavior {
    auto sent = std::make_shared<int>(0);
    auto answered = std::make_shared<int>(0);
    for (; *sent < std::min(total, window); ++*sent)
      send_one(self, *sent);
    auto answer = [=] {
      if (++*answered == total) {
        done->set_value();
        self->quit();
      } else if (*sent < total) {
        send_one(self, (*sent)++);
      }
    };
    return {
      [=](const version&) { answer(); },
      [=](const std::vector<version>&) { answer(); },
      [=](ok_atom) { answer(); },
      [=](const caf::error& err) {
        std::fprintf(stderr, "a write failed: %s\n", describe(err).c_str());
        answer();
      },
    };
  });
  finished.wait();
}

// The key of write `i` of a phase: cycles over `keys` keys, or is new each
// time when `keys` is 0.
std::string write_key(const char* phase, int i, int keys) {
  return phase + std::to_string(keys > 0 ? i % keys : i);
}

// Sends `store` batch number `batch` of 1,000 writes (of `writes` in all)
// as one `set_many`, encoding the values as the facade would.
void send_batch(caf::event_based_actor* self, const store_actor& store,
                const char* phase, int batch, int writes, int keys) {
  std::vector<write_item> items;
  for (int i = batch * 1000; i < std::min(writes, (batch + 1) * 1000); ++i)
    items.push_back(write_item{
      write_key(phase, i, keys),
      *msgpack_codec<std::string>::encode(stamped_value()), nullptr});
  self->send(store, set_many_atom::value, std::move(items));
}

// Writes per second the sending side alone manages: the `set_many` phase
// against a store with no peer (a memory transport), in a system of its own.
double sender_alone_rate(const link_setup& setup, int writes, int keys) {
  caf::actor_system_config cfg;
  configure(cfg, setup.workers);
  caf::actor_system sys{cfg};
  auto s = string_store::open(sys, "alone", net::spawn_memory_transport(sys));
  if (!s)
    return 0;
  auto store = s->actor();
  auto t0 = steady_ns();
  pipeline(sys, (writes + 999) / 1000, 8,
           [&](caf::event_based_actor* self, int batch) {
             send_batch(self, store, "w2-", batch, writes, keys);
           });
  auto rate = writes / ((steady_ns() - t0) / 1e9);
  s->close();
  return rate;
}

struct child {
  pid_t pid = -1;
  int to = -1;
  FILE* from = nullptr;

  std::string read_line() {
    char line[512] = {0};
    return fgets(line, sizeof(line), from) != nullptr ? line : "";
  }
};

child start_peer(const char* self_path, const std::vector<std::string>& args) {
  int to_child[2];
  int from_child[2];
  if (pipe(to_child) != 0 || pipe(from_child) != 0)
    throw std::runtime_error("pipe failed");
  auto pid = fork();
  if (pid == 0) {
    dup2(to_child[0], 0);
    dup2(from_child[1], 1);
    close(to_child[1]);
    close(from_child[0]);
    std::vector<const char*> argv{self_path, "--serve"};
    for (auto& x : args)
      argv.push_back(x.c_str());
    argv.push_back(nullptr);
    execv(self_path, const_cast<char* const*>(argv.data()));
    _exit(127);
  }
  close(to_child[0]);
  close(from_child[1]);
  return {pid, to_child[1], fdopen(from_child[0], "r")};
}

void print_latency(const char* mode, const char* what,
                   const std::vector<int64_t>& xs) {
  std::printf("%-10s %-44s p50 %8.1f us  p99 %8.1f us  (n=%zu)\n", mode, what,
              quantile_us(xs, 0.5), quantile_us(xs, 0.99), xs.size());
}

int run(const char* self_path, link_setup setup,
        const std::vector<std::string>& peer_args, int writes, int rounds,
        int keys) {
  auto peer = start_peer(self_path, peer_args);
  unsigned port = 0;
  unsigned tcp_port = 0;
  unsigned client_port = 0;
  if (sscanf(peer.read_line().c_str(), "ready %u %u %u", &port, &tcp_port,
             &client_port)
      != 3) {
    std::cerr << "peer did not start\n";
    return 1;
  }
  auto mode = setup.transport == "redis" ? "redis"
              : setup.tls_dir.empty()    ? "plaintext"
                                         : "tls";
  auto tcp = tcp_ping_pong(static_cast<uint16_t>(tcp_port), rounds);
  auto pubsub = redis_pubsub(setup.redis_port, rounds);
  auto apply_rate = store_apply_rate(setup, writes, keys);
  auto sender_rate = sender_alone_rate(setup, writes, keys);
  std::vector<int64_t> client;
  if (client_port != 0)
    client
      = client_round_trips(setup, static_cast<uint16_t>(client_port), rounds);
  double set_many_rate = 0;
  std::vector<int64_t> low_load;
  std::vector<int64_t> under_load;
  call_figures calls;
  {
    pod p{setup, {"127.0.0.1:" + std::to_string(port)}, "main"};
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds{30};
    while (!p.connected() && std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(std::chrono::milliseconds{10});
    // The peer's store subscribed before it printed "ready"; over Redis a
    // write needs our subscription confirmed too, which open waited for.
    auto pongs = p.st->watch(watch_filter::prefix("pong"));
    auto dones = p.st->watch(watch_filter::key("done"));
    // One write at a time, the next once the peer's answer came back.
    auto ping_pong = [&](const std::string& ping, std::vector<int64_t>& out) {
      for (int i = 0; i < rounds; ++i) {
        p.st->set(ping, stamped_value());
        auto x = pongs.next(std::chrono::seconds{10});
        if (!x) {
          std::cerr << "no pong\n";
          return;
        }
        out.push_back(age_of(*x->value));
      }
    };
    ping_pong("ping", low_load);
    calls = measure_calls(p, rounds);
    {
      // The same under load: a thread writes batches of 100 back to back.
      std::atomic<bool> loading{true};
      std::thread background{[&] {
        std::unordered_map<std::string, std::string> batch;
        for (int i = 0; loading.load(); ++i) {
          batch.emplace(write_key("load-", i, keys), stamped_value());
          if (batch.size() == 100) {
            p.st->set_many(batch);
            batch.clear();
          }
        }
      }};
      ping_pong("ping-loaded", under_load);
      loading = false;
      background.join();
    }
    uint64_t sent = 0;
    // Writes `writes` keys with `write_all`, then "end"; the peer answers
    // "done" with how many "w" keys its watcher has seen in all runs.
    auto measure = [&](const char* label, auto write_all) {
      auto t0 = steady_ns();
      write_all();
      sent += static_cast<uint64_t>(writes);
      p.st->set("end", std::to_string(sent));
      auto done = dones.next(std::chrono::seconds{300});
      auto rate = writes / ((steady_ns() - t0) / 1e9);
      auto count = done ? *p.st->get("done") : std::string{"none"};
      std::printf("%-10s throughput, %-32s %9.0f writes/s (peer saw %s of "
                  "%llu)\n",
                  mode, label, rate, count.c_str(),
                  static_cast<unsigned long long>(sent));
      return rate;
    };
    auto store = p.st->actor();
    measure("single writes, 1000 in flight:", [&] {
      pipeline(*p.sys, writes, 1000, [&](caf::event_based_actor* self, int i) {
        auto v = *msgpack_codec<std::string>::encode(stamped_value());
        self->send(
          store, set_atom::value,
          write_item{write_key("w1-", i, keys), std::move(v), nullptr});
      });
    });
    {
      // The transport alone: publishes straight to it (64-byte payloads,
      // 1000 in flight) until the peer's counting subscriber has them all.
      auto rawdones = p.st->watch(watch_filter::key("rawdone"));
      bytes payload(value_size, 7);
      auto t0 = steady_ns();
      pipeline(*p.sys, writes, 1000, [&](caf::event_based_actor* self, int) {
        self->send(p.transport, publish_atom::value, std::string{"raw"},
                   payload);
      });
      caf::anon_send(p.transport, publish_atom::value, std::string{"raw"},
                     bytes{});
      auto done = rawdones.next(std::chrono::seconds{300});
      auto rate = writes / ((steady_ns() - t0) / 1e9);
      std::printf("%-10s transport alone, publish 1000 in flight:   %9.0f "
                  "messages/s (peer counted %s)\n",
                  mode, rate, done ? p.st->get("rawdone")->c_str() : "none");
    }
    set_many_rate = measure("set_many of 1000, 8 in flight:", [&] {
      pipeline(*p.sys, (writes + 999) / 1000, 8,
               [&](caf::event_based_actor* self, int batch) {
                 send_batch(self, store, "w2-", batch, writes, keys);
               });
    });
  }
  close(peer.to);
  // "samples P50 P99 N P50 P99 N": the peer's one-way times at low load and
  // under load.
  std::istringstream samples{peer.read_line()};
  std::string tag;
  double peer_low50 = 0, peer_low99 = 0, peer_load50 = 0, peer_load99 = 0;
  size_t peer_low_n = 0, peer_load_n = 0;
  samples >> tag >> peer_low50 >> peer_low99 >> peer_low_n >> peer_load50
    >> peer_load99 >> peer_load_n;
  int status = 0;
  waitpid(peer.pid, &status, 0);
  fclose(peer.from);
  print_latency(mode, "raw TCP ping-pong (64 B), round trip:", tcp);
  print_latency(mode, "raw Redis pub/sub, publish -> receive:", pubsub);
  if (!client.empty())
    print_latency(mode, "CAF request via the client port (BASP):", client);
  print_latency(mode, "write -> remote watch, low load (ours):", low_load);
  std::printf("%-10s %-44s p50 %8.1f us  p99 %8.1f us  (n=%zu)\n", mode,
              "write -> remote watch, low load (peer's):", peer_low50,
              peer_low99, peer_low_n);
  print_latency(mode, "write -> remote watch, under load (ours):", under_load);
  std::printf("%-10s %-44s p50 %8.1f us  p99 %8.1f us  (n=%zu)\n", mode,
              "write -> remote watch, under load (peer's):", peer_load50,
              peer_load99, peer_load_n);
  print_latency(
    mode, "callreply call, one at a time, round trip:", calls.round_trips);
  std::printf("%-10s callreply calls, %d callers at once:       %9.0f "
              "calls/s\n",
              mode, calls.callers, calls.per_second);
  std::printf("%-10s store apply, batches of 1000, no network: %9.0f "
              "writes/s\n",
              mode, apply_rate);
  std::printf("%-10s sender alone, set_many of 1000, no peer:  %9.0f "
              "writes/s\n",
              mode, sender_rate);
  // The goals of docs/performance.md, as ratios of this run's figures.
  auto low50 = quantile_us(low_load, 0.5);
  auto load50 = quantile_us(under_load, 0.5);
  auto share = set_many_rate / apply_rate;
  std::printf("%-10s goal: replicated set_many / store apply = %.2f "
              "(p2p: >= 0.90 plaintext, >= 0.75 TLS)\n",
              mode, share);
  std::printf("%-10s bound: replicated set_many / sender alone = %.2f\n", mode,
              set_many_rate / sender_rate);
  std::printf("%-10s goal: write -> remote watch p50 / Redis pub/sub p50 = "
              "%.2f (p2p: < 1; redis: <= 2)\n",
              mode, low50 / quantile_us(pubsub, 0.5));
  std::printf("%-10s goal: under load p50 / raw TCP round trip p50 = %.2f "
              "(p2p: < 3)\n",
              mode, load50 / quantile_us(tcp, 0.5));
  std::printf("%-10s goal: callreply call p50 / raw TCP round trip p50 = "
              "%.2f (p2p: <= 3)\n",
              mode,
              quantile_us(calls.round_trips, 0.5) / quantile_us(tcp, 0.5));
  return 0;
}

} // namespace

int main(int argc, char** argv) {
  link_setup setup;
  bool serving = false;
  int writes = 100000;
  int rounds = 2000;
  int keys = 10000;
  std::vector<std::string> peer_args;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    auto value = [&] { return std::string{i + 1 < argc ? argv[++i] : ""}; };
    if (arg == "--serve") {
      serving = true;
      continue;
    }
    if (arg == "--transport") {
      setup.transport = value();
    } else if (arg == "--tls") {
      setup.tls_dir = value();
    } else if (arg == "--scheduling") {
      auto x = value();
      setup.workers = x == "on-demand"    ? scheduling::on_demand
                      : x == "responsive" ? scheduling::responsive
                                          : scheduling::caf_default;
    } else if (arg == "--redis-port") {
      setup.redis_port = static_cast<uint16_t>(std::stoi(value()));
      continue; // the parent adds it for the peer
    } else if (arg == "--writes") {
      writes = std::stoi(value());
    } else if (arg == "--rounds") {
      rounds = std::stoi(value());
    } else if (arg == "--keys") {
      keys = std::stoi(value());
    } else {
      std::cerr << "usage: podshare-link-bench [--transport p2p|redis] "
                   "[--tls DIR] [--scheduling default|on-demand|responsive] "
                   "[--writes N] [--rounds N] [--keys N]\n";
      return 2;
    }
    peer_args.push_back(arg);
    peer_args.push_back(argv[i]);
  }
  if (keys < 0 || (keys > 0 && keys < 1000)) {
    // A batch of `set_many` holds 1,000 distinct keys.
    std::cerr << "--keys: 0, or at least 1000\n";
    return 2;
  }
  spdlog::set_level(spdlog::level::err);
  try {
    if (serving)
      return serve(setup);
    testing::redis_server redis;
    if (!redis.ok()) {
      std::cerr << "error: " << redis.error() << "\n";
      return 1;
    }
    setup.redis_port = redis.port();
    peer_args.push_back("--redis-port");
    peer_args.push_back(std::to_string(redis.port()));
    return run("/proc/self/exe", setup, peer_args, writes, rounds, keys);
  } catch (const std::exception& e) {
    std::cerr << "error: " << e.what() << "\n";
    return 1;
  }
}
