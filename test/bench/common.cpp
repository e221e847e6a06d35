#include "common.hpp"

#include "podshare/configure.hpp"
#include "podshare/net/memory/spawn.hpp"

#include <caf/actor_system_config.hpp>
#include <caf/send.hpp>
#include <caf/io/middleman.hpp>

#include <algorithm>
#include <cstdio>
#include <random>
#include <cstdlib>
#include <ctime>
#include <unordered_map>

namespace podshare::bench {

std::vector<std::string> make_keys(size_t n) {
  std::vector<std::string> keys;
  keys.reserve(n);
  char buf[32];
  for (size_t i = 0; i < n; ++i) {
    std::snprintf(buf, sizeof(buf), "key:%012zu", i);
    keys.emplace_back(buf);
  }
  return keys;
}

const std::vector<std::string>& lookup_keys() {
  static const auto keys = [] {
    auto xs = make_keys();
    std::shuffle(xs.begin(), xs.end(), std::minstd_rand{7});
    return xs;
  }();
  return keys;
}

std::string make_value(size_t salt) {
  std::string value(64, 'v');
  auto digits = std::to_string(salt);
  std::copy(digits.begin(), digits.end(), value.begin());
  return value;
}

caf::actor_system& system(scheduling mode) {
  // Leaked: benchmarks run until exit and stores outlive any one of them.
  static auto make = [](scheduling m) {
    auto* cfg = new caf::actor_system_config;
    configure(*cfg, m);
    cfg->load<caf::io::middleman>(); // The Redis transport's sockets.
    return new caf::actor_system{*cfg};
  };
  switch (mode) {
    case scheduling::responsive: {
      static auto* responsive = make(scheduling::responsive);
      return *responsive;
    }
    case scheduling::on_demand: {
      static auto* on_demand = make(scheduling::on_demand);
      return *on_demand;
    }
    case scheduling::caf_default: break;
  }
  static auto* by_default = make(scheduling::caf_default);
  return *by_default;
}

scheduling scheduling_of(const benchmark::State& state) {
  switch (state.range(0)) {
    case 1: return scheduling::responsive;
    case 2: return scheduling::on_demand;
    default: return scheduling::caf_default;
  }
}

transport_actor make_transport(scheduling mode) {
  return net::spawn_memory_transport(system(mode));
}

string_store open(const std::string& topic, transport_actor transport,
                  options opts, scheduling mode) {
  auto s = string_store::open(system(mode), topic, std::move(transport),
                              std::move(opts));
  if (!s) {
    std::fprintf(stderr, "open failed: %s\n", describe(s.error()).c_str());
    std::abort();
  }
  return std::move(*s);
}

void fill(string_store& s, const std::vector<std::string>& keys) {
  std::unordered_map<std::string, std::string> batch;
  for (size_t i = 0; i < keys.size(); ++i) {
    batch.emplace(keys[i], make_value(i));
    if (batch.size() == 1000 || i + 1 == keys.size()) {
      if (!s.set_many(batch))
        std::abort();
      batch.clear();
    }
  }
}

namespace {

int64_t cpu_ns(clockid_t clock) {
  timespec ts{};
  clock_gettime(clock, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}

} // namespace

int64_t process_cpu_ns() {
  return cpu_ns(CLOCK_PROCESS_CPUTIME_ID);
}

int64_t thread_cpu_ns() {
  return cpu_ns(CLOCK_THREAD_CPUTIME_ID);
}

void measure_remote_watch(benchmark::State& state, string_store a,
                          string_store b) {
  auto events = b.watch(watch_filter::key("hot"));
  auto encoded = *msgpack_codec<std::string>::encode(make_value());
  std::vector<int64_t> samples;
  for (auto _ : state) {
    auto start = now_ns();
    caf::anon_send(a.actor(), set_atom::value,
                   write_item{"hot", encoded, nullptr});
    if (!events.next(std::chrono::seconds{10}))
      state.SkipWithError("no event");
    samples.push_back(now_ns() - start);
  }
  report_percentiles(state, std::move(samples));
  a.close();
  b.close();
}

void report_percentiles(benchmark::State& state, std::vector<int64_t> samples) {
  if (samples.empty())
    return;
  std::sort(samples.begin(), samples.end());
  auto at = [&](double q) {
    return static_cast<double>(samples[static_cast<size_t>(
             q * static_cast<double>(samples.size() - 1))])
           / 1000.0;
  };
  state.counters["p50_us"] = at(0.50);
  state.counters["p99_us"] = at(0.99);
}

} // namespace podshare::bench
