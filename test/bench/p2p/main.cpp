// Two pods in two processes over loopback. The parent starts itself again
// as the peer (`--serve`), then measures, plaintext or with mutual TLS:
//   - raw TCP: 64-byte ping-pong round trips between the same two processes
//     (the limit);
//   - bare CAF: request/response round trips to an actor in the peer that
//     replies at once, over a BASP connection of its own (TLS when the
//     pods use it): what any transport on CAF's network layer starts from;
//   - echo: a write of key "ping" on the parent, which the peer's watcher
//     sees and answers with a write of "pong", which the parent's watcher
//     sees: two write-to-remote-watch hops; half of it estimates one hop;
//   - throughput: N pipelined writes on the parent until the peer's watcher
//     has seen all of them (the peer confirms with a write of "done").
//
//   podshare-p2p-bench [--tls DIR] [--on-demand] [--writes N] [--rounds N]
//                      [--keys N]
//
// The throughput phases write over a working set of `--keys` keys (10,000,
// the data of every other benchmark), so the stores hold what a service's
// hot state holds; `--keys 0` writes a fresh key each time, and the stores
// grow by every write.

#include "podshare/configure.hpp"
#include "podshare/net/p2p/configure.hpp"
#include "podshare/net/p2p/spawn.hpp"
#include "podshare/store.hpp"

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/io/middleman.hpp>
#include <caf/openssl/manager.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/scoped_actor.hpp>
#include <caf/send.hpp>
#include <caf/typed_event_based_actor.hpp>

#include <spdlog/spdlog.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <unordered_map>
#include <iostream>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

using namespace podshare;
using string_store = store<std::string>;
using clk = std::chrono::steady_clock;

namespace {

constexpr size_t msg_size = 64;

int64_t since_ns(clk::time_point t0) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(clk::now() - t0)
    .count();
}

double pct_us(std::vector<int64_t> xs, double q) {
  std::sort(xs.begin(), xs.end());
  return static_cast<double>(
           xs[static_cast<size_t>(q * static_cast<double>(xs.size() - 1))])
         / 1000.0;
}

bool full_io(int fd, char* buf, size_t n, bool write_it) {
  size_t done = 0;
  while (done < n) {
    auto r = write_it ? ::write(fd, buf + done, n - done)
                      : ::read(fd, buf + done, n - done);
    if (r <= 0)
      return false;
    done += static_cast<size_t>(r);
  }
  return true;
}

// A raw TCP echo server on 127.0.0.1 for one connection; returns its port.
uint16_t start_echo_server() {
  int srv = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(srv, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
  listen(srv, 1);
  socklen_t len = sizeof(addr);
  getsockname(srv, reinterpret_cast<sockaddr*>(&addr), &len);
  std::thread{[srv] {
    int fd = accept(srv, nullptr, nullptr);
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    char buf[msg_size];
    while (full_io(fd, buf, msg_size, false)
           && full_io(fd, buf, msg_size, true))
      ;
    close(fd);
    close(srv);
  }}.detach();
  return ntohs(addr.sin_port);
}

std::vector<int64_t> tcp_ping_pong(uint16_t port, int rounds) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(port);
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0)
    return {};
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  char buf[msg_size] = {1};
  std::vector<int64_t> out;
  for (int i = 0; i < rounds; ++i) {
    auto t0 = clk::now();
    if (!full_io(fd, buf, msg_size, true) || !full_io(fd, buf, msg_size, false))
      break;
    out.push_back(since_ns(t0));
  }
  close(fd);
  return out;
}

// How both pods' workers wait for work: CAF's default, or on demand.
scheduling worker_scheduling = scheduling::caf_default;

// An actor system set up as the pods' are: BASP, TLS if `tls` has files.
void configure_like_a_pod(caf::actor_system_config& cfg,
                          const net::p2p_tls& tls) {
  if (auto err = net::configure_p2p(cfg, tls))
    throw std::runtime_error(describe(err));
  configure(cfg, worker_scheduling);
}

// The actor that accepts BASP connections: TLS's when the pods use it.
caf::io::middleman_actor middleman_of(caf::actor_system& sys,
                                      const net::p2p_tls& tls) {
  return tls.enabled() ? sys.openssl_manager().actor_handle()
                       : sys.middleman().actor_handle();
}

// Publishes an actor that answers every number at once; returns its port.
uint16_t start_caf_echo(caf::actor_system& sys, const net::p2p_tls& tls) {
  auto echo = sys.spawn(
    []() -> caf::behavior { return {[](uint64_t x) { return x; }}; });
  caf::scoped_actor self{sys};
  uint16_t port = 0;
  self
    ->request(middleman_of(sys, tls), std::chrono::seconds{30},
              caf::publish_atom::value, uint16_t{0},
              caf::actor_cast<caf::strong_actor_ptr>(echo),
              std::set<std::string>{}, std::string{"127.0.0.1"}, true)
    .receive([&](uint16_t x) { port = x; },
             [&](caf::error& err) {
               throw std::runtime_error("cannot publish the CAF echo: "
                                        + sys.render(err));
             });
  return port;
}

// Round trips to the CAF echo at `port`, from an actor system of its own:
// a second node, so its connection cannot meet the pods' one.
std::vector<int64_t> caf_round_trips(const net::p2p_tls& tls, uint16_t port,
                                     int rounds) {
  caf::actor_system_config cfg;
  configure_like_a_pod(cfg, tls);
  caf::actor_system sys{cfg};
  caf::scoped_actor self{sys};
  caf::actor echo;
  self
    ->request(middleman_of(sys, tls), std::chrono::seconds{30},
              caf::connect_atom::value, std::string{"127.0.0.1"}, port)
    .receive(
      [&](caf::node_id&, caf::strong_actor_ptr& ptr, std::set<std::string>&) {
        echo = caf::actor_cast<caf::actor>(std::move(ptr));
      },
      [&](caf::error& err) {
        throw std::runtime_error("cannot reach the CAF echo: "
                                 + sys.render(err));
      });
  std::vector<int64_t> out;
  for (int i = 0; i < rounds; ++i) {
    auto t0 = clk::now();
    bool answered = false;
    self->request(echo, std::chrono::seconds{10}, static_cast<uint64_t>(i))
      .receive([&](uint64_t) { answered = true; }, [](caf::error&) {});
    if (!answered)
      break;
    out.push_back(since_ns(t0));
  }
  self->send_exit(echo, caf::exit_reason::user_shutdown);
  return out;
}

struct pod {
  pod(const net::p2p_tls& tls, std::vector<std::string> peers,
      const std::string& name) {
    configure_like_a_pod(cfg, tls);
    sys.emplace(cfg);
    net::p2p_config pcfg;
    pcfg.name = name;
    pcfg.peers = std::move(peers);
    auto t = net::spawn_p2p_transport(*sys, pcfg);
    if (!t)
      throw std::runtime_error(describe(t.error()));
    net = *t;
    options opts;
    opts.node_id = name;
    opts.watch_buffer = 1 << 22;
    auto s = string_store::open(*sys, "bench", net.transport(), opts);
    if (!s)
      throw std::runtime_error(describe(s.error()));
    st.emplace(std::move(*s));
  }

  ~pod() {
    st->close();
    caf::anon_send(net.actor, close_atom::value);
  }

  bool connected() {
    caf::scoped_actor self{*sys};
    bool any = false;
    self->request(net.actor, std::chrono::seconds{5}, net::peers_atom::value)
      .receive(
        [&](std::vector<net::p2p_peer>& xs) {
          for (auto& x : xs)
            any = any || x.connected;
        },
        [](caf::error&) {});
    return any;
  }

  caf::actor_system_config cfg;
  std::optional<caf::actor_system> sys;
  net::p2p_handle net;
  std::optional<string_store> st;
};

net::p2p_tls tls_in(const std::string& dir) {
  if (dir.empty())
    return {};
  return {dir + "/ca.pem", dir + "/pod.pem", dir + "/pod.key", {}};
}

// The peer: echoes "ping" as "pong", counts "w…" keys and answers "end"
// with "done" = the count.
int serve(const std::string& tls_dir) {
  pod p{tls_in(tls_dir), {}, "peer"};
  auto tcp = start_echo_server();
  auto caf_echo = start_caf_echo(*p.sys, tls_in(tls_dir));
  std::cout << "ready " << p.net.port << " " << tcp << " " << caf_echo
            << std::endl;
  // Counts raw messages on topic "raw"; an empty payload is the end marker,
  // answered by writing "rawdone" = the count.
  auto store = p.st->actor();
  auto raw_counter = p.sys->spawn([store]() -> subscriber_actor::behavior_type {
    auto n = std::make_shared<uint64_t>(0);
    return {
      [n, store](deliver_atom, const std::string&, const bytes& x) {
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
      ->request(p.net.actor, std::chrono::seconds{5}, subscribe_atom::value,
                std::string{"raw"}, raw_counter)
      .receive([](ok_atom) {}, [](caf::error&) {});
  }
  auto events = p.st->watch(watch_filter::all());
  std::thread watcher{[&] {
    uint64_t seen = 0;
    for (;;) {
      auto ev = events.next(std::chrono::hours{1});
      if (!ev)
        return;
      if (ev->key == "ping")
        p.st->set("pong", *p.st->get("ping"));
      else if (ev->key == "end")
        p.st->set("done", std::to_string(seen));
      else if (ev->key[0] == 'w')
        ++seen;
    }
  }};
  std::string line;
  std::getline(std::cin, line); // until the parent closes our stdin
  p.st->close();
  watcher.join();
  return 0;
}

// Sends `total` requests with `send_one(i)`, keeping 1,000 unanswered,
// until all are answered. They go as plain messages, as the store
// benchmarks' actor sender sends them: a CAF request timeout per message
// would give CAF's clock thread an entry to insert and later remove for
// each, and in `perf` that removal for one phase's requests ran on into the
// next phase (8.5% of both processes' samples there, 17% of the sender's).
template <class SendOne>
void keep_in_flight(caf::scoped_actor& self, int total, SendOne send_one) {
  constexpr int window = 1000;
  int sent = 0;
  for (; sent < std::min(total, window); ++sent)
    send_one(sent);
  int failed = 0;
  for (int answered = 0; answered < total; ++answered) {
    self->receive([](const version&) {}, [](ok_atom) {},
                  [&](const caf::error&) { ++failed; });
    if (sent < total)
      send_one(sent++);
  }
  if (failed > 0)
    std::fprintf(stderr, "%d of %d requests failed\n", failed, total);
}

// The key of write `i` of a phase: cycles over `keys` keys, or is new each
// time when `keys` is 0.
std::string write_key(const char* phase, int i, int keys) {
  return phase + std::to_string(keys > 0 ? i % keys : i);
}

int run(const char* self_path, const std::string& tls_dir, int writes,
        int rounds, int keys) {
  int to_child[2];
  int from_child[2];
  if (pipe(to_child) != 0 || pipe(from_child) != 0)
    return 1;
  auto pid = fork();
  if (pid == 0) {
    dup2(to_child[0], 0);
    dup2(from_child[1], 1);
    close(to_child[1]);
    close(from_child[0]);
    std::vector<const char*> args{self_path, "--serve"};
    if (worker_scheduling == scheduling::on_demand)
      args.push_back("--on-demand");
    if (!tls_dir.empty()) {
      args.push_back("--tls");
      args.push_back(tls_dir.c_str());
    }
    args.push_back(nullptr);
    execv(self_path, const_cast<char* const*>(args.data()));
    _exit(127);
  }
  close(to_child[0]);
  close(from_child[1]);
  FILE* in = fdopen(from_child[0], "r");
  char line[128] = {0};
  unsigned p2p_port = 0;
  unsigned tcp_port = 0;
  unsigned caf_port = 0;
  if (fgets(line, sizeof(line), in) == nullptr
      || sscanf(line, "ready %u %u %u", &p2p_port, &tcp_port, &caf_port) != 3) {
    std::cerr << "peer did not start\n";
    return 1;
  }
  auto mode = tls_dir.empty() ? "plaintext" : "tls";
  auto tcp = tcp_ping_pong(static_cast<uint16_t>(tcp_port), rounds);
  auto caf_rtt
    = caf_round_trips(tls_in(tls_dir), static_cast<uint16_t>(caf_port), rounds);
  if (caf_rtt.empty()) {
    std::cerr << "the CAF echo did not answer\n";
    return 1;
  }
  {
    pod p{tls_in(tls_dir), {"127.0.0.1:" + std::to_string(p2p_port)}, "main"};
    auto deadline = clk::now() + std::chrono::seconds{30};
    while (!p.connected() && clk::now() < deadline)
      std::this_thread::sleep_for(std::chrono::milliseconds{10});
    auto pongs = p.st->watch(watch_filter::key("pong"));
    auto dones = p.st->watch(watch_filter::key("done"));
    std::string value(msg_size, 'v');
    std::vector<int64_t> echo;
    for (int i = 0; i < rounds; ++i) {
      value[0] = static_cast<char>('a' + i % 26);
      value[1] = static_cast<char>('a' + (i / 26) % 26);
      auto t0 = clk::now();
      p.st->set("ping", value);
      auto x = pongs.next(std::chrono::seconds{10});
      if (!x) {
        std::cerr << "no pong\n";
        break;
      }
      echo.push_back(since_ns(t0));
    }
    std::printf("%-9s raw TCP ping-pong (64 B): p50 %.1f us, p99 %.1f us\n",
                mode, pct_us(tcp, 0.5), pct_us(tcp, 0.99));
    std::printf("%-9s bare CAF request/response: p50 %.1f us, p99 %.1f us; "
                "one way ~ p50 %.1f us\n",
                mode, pct_us(caf_rtt, 0.5), pct_us(caf_rtt, 0.99),
                pct_us(caf_rtt, 0.5) / 2);
    std::printf("%-9s echo (write->remote watch->write->watch): p50 %.1f us, "
                "p99 %.1f us; one hop ~ p50 %.1f us\n",
                mode, pct_us(echo, 0.5), pct_us(echo, 0.99),
                pct_us(echo, 0.5) / 2);
    auto encoded = *msgpack_codec<std::string>::encode(value);
    uint64_t sent = 0;
    // Writes `writes` keys with `write_all`, then "end"; the peer answers
    // "done" with how many "w" keys its watcher has seen in all runs.
    auto measure = [&](const char* label, auto write_all) {
      auto t0 = clk::now();
      write_all();
      sent += static_cast<uint64_t>(writes);
      p.st->set("end", std::to_string(sent));
      auto done = dones.next(std::chrono::seconds{300});
      auto elapsed = since_ns(t0);
      auto count = done ? *p.st->get("done") : std::string{"none"};
      std::printf("%-9s throughput, %s: %d writes in %.3f s = %.0f writes/s "
                  "(peer's watcher saw %s of %llu)\n",
                  mode, label, writes, elapsed / 1e9, writes / (elapsed / 1e9),
                  count.c_str(), static_cast<unsigned long long>(sent));
    };
    measure("single writes, 1000 in flight", [&] {
      caf::scoped_actor self{*p.sys};
      keep_in_flight(self, writes, [&](int i) {
        self->send(p.st->actor(), set_atom::value,
                   write_item{write_key("w1-", i, keys), encoded, nullptr});
      });
    });
    {
      // The transport alone: publishes straight to it (64-byte payloads,
      // 1000 in flight) until the peer's counting subscriber has them all.
      auto rawdones = p.st->watch(watch_filter::key("rawdone"));
      caf::scoped_actor self{*p.sys};
      bytes payload(msg_size, 7);
      auto t0 = clk::now();
      keep_in_flight(self, writes, [&](int) {
        self->send(p.net.actor, publish_atom::value, std::string{"raw"},
                   payload);
      });
      self->send(p.net.actor, publish_atom::value, std::string{"raw"}, bytes{});
      auto done = rawdones.next(std::chrono::seconds{300});
      auto elapsed = since_ns(t0);
      auto count = done ? *p.st->get("rawdone") : std::string{"none"};
      std::printf("%-9s transport alone, publish 1000 in flight: %d messages "
                  "in %.3f s = %.0f messages/s (peer counted %s)\n",
                  mode, writes, elapsed / 1e9, writes / (elapsed / 1e9),
                  count.c_str());
    }
    measure("set_many of 1000", [&] {
      std::unordered_map<std::string, std::string> batch;
      for (int i = 0; i < writes; ++i) {
        batch.emplace(write_key("w2-", i, keys), value);
        if (batch.size() == 1000 || i + 1 == writes) {
          p.st->set_many(batch);
          batch.clear();
        }
      }
    });
  }
  close(to_child[1]);
  int status = 0;
  waitpid(pid, &status, 0);
  fclose(in);
  return 0;
}

} // namespace

int main(int argc, char** argv) {
  std::string tls_dir;
  bool serving = false;
  int writes = 200000;
  int rounds = 2000;
  int keys = 10000;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--serve")
      serving = true;
    else if (arg == "--on-demand")
      worker_scheduling = scheduling::on_demand;
    else if (arg == "--tls" && i + 1 < argc)
      tls_dir = argv[++i];
    else if (arg == "--writes" && i + 1 < argc)
      writes = std::stoi(argv[++i]);
    else if (arg == "--rounds" && i + 1 < argc)
      rounds = std::stoi(argv[++i]);
    else if (arg == "--keys" && i + 1 < argc)
      keys = std::stoi(argv[++i]);
    else {
      std::cerr << "usage: podshare-p2p-bench [--tls DIR] [--on-demand] "
                   "[--writes N] [--rounds N] [--keys N]\n";
      return 2;
    }
  }
  if (keys < 0 || (keys > 0 && keys < 1000)) {
    // A batch of `set_many` holds 1,000 distinct keys.
    std::cerr << "--keys: 0, or at least 1000\n";
    return 2;
  }
  spdlog::set_level(spdlog::level::err);
  try {
    return serving ? serve(tls_dir)
                   : run("/proc/self/exe", tls_dir, writes, rounds, keys);
  } catch (const std::exception& e) {
    std::cerr << "error: " << e.what() << "\n";
    return 1;
  }
}
