// The benchmark runner: Google Benchmark's console and JSON output, then a
// table of every goal of docs/performance.md with its ratio to the baseline
// measured in this same run.

#include "common.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <string>
#include <thread>

namespace {

using benchmark::BenchmarkReporter;

/// Keeps every run for the summary while printing as usual.
class recording_reporter : public benchmark::ConsoleReporter {
public:
  void ReportRuns(const std::vector<Run>& runs) override {
    for (auto& run : runs) {
      if (run.error_occurred)
        ++errors_;
      if (run.run_type == Run::RT_Iteration)
        runs_[run.benchmark_name()] = run;
    }
    ConsoleReporter::ReportRuns(runs);
  }

  const Run* find(const std::string& name) const {
    auto i = runs_.find(name);
    return i == runs_.end() ? nullptr : &i->second;
  }

  /// Benchmarks that reported an error (a broken harness, not a slow run).
  int errors() const { return errors_; }

private:
  std::map<std::string, Run> runs_;
  int errors_ = 0;
};

class summary {
public:
  explicit summary(const recording_reporter& runs) : runs_(runs) {}

  /// Nanoseconds per iteration, or NaN when the run is missing.
  double ns(const std::string& name) const {
    auto* run = runs_.find(name);
    if (run == nullptr)
      return NAN;
    return run->GetAdjustedRealTime() * 1e9
           / benchmark::GetTimeUnitMultiplier(run->time_unit);
  }

  /// Iterations per second over all threads.
  double per_second(const std::string& name) const {
    auto* run = runs_.find(name);
    if (run == nullptr || run->real_accumulated_time <= 0)
      return NAN;
    // Google Benchmark sums iterations over threads and averages their wall
    // time, so this is the throughput of all threads together.
    return static_cast<double>(run->iterations) / run->real_accumulated_time;
  }

  double counter(const std::string& name, const std::string& key) const {
    auto* run = runs_.find(name);
    if (run == nullptr)
      return NAN;
    auto i = run->counters.find(key);
    return i == run->counters.end() ? NAN : i->second.value;
  }

  void row(const char* figure, const std::string& measured,
           const std::string& ratio, const char* goal) const {
    std::printf("| %-44s | %-22s | %-26s | %-26s |\n", figure, measured.c_str(),
                ratio.c_str(), goal);
  }

private:
  const recording_reporter& runs_;
};

std::string fmt(const char* format, double x) {
  char buf[64];
  std::snprintf(buf, sizeof(buf), format, x);
  return buf;
}

void print_summary(const recording_reporter& runs) {
  summary s{runs};
  std::printf("\n| %-44s | %-22s | %-26s | %-26s |\n", "figure", "measured",
              "ratio (same run)", "goal");
  std::printf("|%s|%s|%s|%s|\n", std::string(46, '-').c_str(),
              std::string(24, '-').c_str(), std::string(28, '-').c_str(),
              std::string(28, '-').c_str());
  auto find = s.ns("baseline_map_find");
  auto visit = s.ns("podshare_visit/real_time/threads:1");
  auto get = s.ns("podshare_get/real_time/threads:1");
  s.row("get (in place) from a plain thread, hit", fmt("%.1f ns", visit),
        fmt("%.2fx map find", visit / find), "<= 2x baseline 1");
  s.row("get (copy out) from a plain thread, hit", fmt("%.1f ns", get),
        fmt("%.2fx map find", get / find), "(copies a 64-byte value)");
  auto idle = s.per_second("podshare_visit/real_time/threads:2");
  auto busy = s.per_second("podshare_visit_while_writing/real_time/threads:2");
  auto locked = s.per_second(
    "baseline_shared_mutex_find_while_writing/real_time/threads:2");
  s.row("2 readers while 100k writes/s: throughput",
        fmt("%.1f M reads/s", busy / 1e6),
        fmt("%.0f%% of idle, ", 100 * busy / idle)
          + fmt("%.1fx locked", busy / locked),
        ">= 90% idle, >= 3x baseline 2");
  s.row("  writes applied meanwhile",
        fmt("%.0f writes/s",
            s.counter("podshare_visit_while_writing/real_time/threads:2",
                      "writes_per_s")),
        "", "~100,000");
  auto write_side = s.counter(
    "podshare_visit_while_writing/real_time/threads:2", "write_side_cores");
  auto cores = static_cast<double>(std::thread::hardware_concurrency());
  s.row("  cores used beside the readers meanwhile",
        fmt("%.2f of ", write_side) + fmt("%.0f", cores),
        fmt("readers capped at %.0f%% of idle",
            100 * std::min(1.0, (cores - write_side) / 2)),
        "(the machine's share)");
  auto spin = s.ns("baseline_spin_handoff/real_time");
  auto condvar = s.ns("baseline_condvar_handoff/real_time");
  auto caf_rtt = s.ns("baseline_caf_request/0/real_time");
  auto p50 = s.counter("podshare_blocking_set/0/real_time", "p50_us") * 1e3;
  // The blocking-set rows, under each scheduling, against the CAF round trip
  // under the same scheduling and under CAF's default.
  const char* mode_names[] = {"CAF default", "responsive", "on-demand"};
  for (int m = 0; m < 3; ++m) {
    auto mode = std::to_string(m);
    auto set = "podshare_blocking_set/" + mode + "/real_time";
    auto rtt = s.ns("baseline_caf_request/" + mode + "/real_time");
    auto mode_p50 = s.counter(set, "p50_us") * 1e3;
    auto mode_p99 = s.counter(set, "p99_us") * 1e3;
    auto by_default = m == 0;
    auto label
      = std::string{"blocking set p50 / p99, "} + mode_names[m] + " workers";
    s.row(label.c_str(),
          fmt("%.1f us / ", mode_p50 / 1e3) + fmt("%.1f us", mode_p99 / 1e3),
          fmt("%.0fx spin, ", mode_p50 / spin)
            + fmt("%.2fx CAF rtt", mode_p50 / rtt)
            + (by_default ? "" : fmt(" (%.2fx default)", mode_p50 / caf_rtt)),
          "<= 20x spin, <= 0.2x CAF rtt");
    for (auto pause : {"4000", "500"}) {
      auto sporadic
        = "podshare_sporadic_set/" + mode + "/" + pause + "/real_time";
      s.row(
        ("  set, then " + std::string{pause} + " us idle").c_str(),
        fmt("p50 %.1f us", s.counter(sporadic, "p50_us")),
        fmt("%.0f us CPU per write", s.counter(sporadic, "cpu_us_per_write")),
        "(what the polling costs)");
    }
  }
  s.row("  baselines: spin / condvar / CAF rtt",
        fmt("%.2f us / ", spin / 1e3) + fmt("%.1f us / ", condvar / 1e3)
          + fmt("%.1f us", caf_rtt / 1e3)
          + fmt(" (responsive %.1f us, ",
                s.ns("baseline_caf_request/1/real_time") / 1e3)
          + fmt("on-demand %.1f us)",
                s.ns("baseline_caf_request/2/real_time") / 1e3),
        "", "");
  s.row("pipelined writes, set_many of 1000",
        fmt("%.2f M writes/s",
            s.counter("podshare_set_many/1000/real_time", "items_per_second")
              / 1e6),
        "", ">= 1 M/s");
  s.row(
    "pipelined writes, actor sender (1000 in flight)",
    fmt("%.2f M writes/s",
        s.counter("podshare_pipelined_sets/1000/real_time", "items_per_second")
          / 1e6),
    "", ">= 1 M/s");
  // Writes per second of benchmark `name`, and the time each took.
  auto work_row = [&](const char* label, const char* name, const char* goal) {
    auto rate = s.counter(name, "items_per_second");
    s.row(label, fmt("%.2f M writes/s", rate / 1e6),
          fmt("%.2f us per write", 1e6 / rate), goal);
  };
  work_row("  store's own work, set of 1000, no actors",
           "store_work_set_batch/1000/10000/1", "(a bound on the above)");
  work_row("  facade's encoding of 1000", "store_work_facade_batch/1000", "");
  work_row("  receiving store's work, batch of 1000",
           "store_work_apply_remote/1000/10000/1", "(bounds replication)");
  // The same two rows for a map that has outgrown the caches, and for one
  // without the ordered index.
  work_row("  store's own work, 200,000 keys",
           "store_work_set_batch/1000/200000/1", "");
  work_row("  receiving store's work, 200,000 keys",
           "store_work_apply_remote/1000/200000/1", "");
  work_row("  store's own work, ordered_reads off",
           "store_work_set_batch/1000/10000/0", "");
  work_row("  receiving store's work, ordered_reads off",
           "store_work_apply_remote/1000/10000/0", "");
  auto remote50
    = s.counter("podshare_write_to_remote_watch/real_time", "p50_us") * 1e3;
  auto remote99
    = s.counter("podshare_write_to_remote_watch/real_time", "p99_us") * 1e3;
  s.row("write on A -> watcher of B, p50 / p99",
        fmt("%.1f us / ", remote50 / 1e3) + fmt("%.1f us", remote99 / 1e3),
        fmt("%.2fx blocking set p50", remote50 / p50), "p50 <= 2x set p50");
  auto fan0 = s.ns("podshare_watch_fanout/0/real_time");
  auto fan1 = s.ns("podshare_watch_fanout/1/real_time");
  auto fan10 = s.ns("podshare_watch_fanout/10/real_time");
  auto fan100 = s.ns("podshare_watch_fanout/100/real_time");
  s.row("watch fan-out, 1000 events to 0/1/10/100",
        fmt("%.2f/", fan0 / 1e6) + fmt("%.2f/", fan1 / 1e6)
          + fmt("%.2f/", fan10 / 1e6) + fmt("%.2f ms", fan100 / 1e6),
        fmt("%.0f ns per watcher-event", (fan100 - fan0) / (100 * 1000.0)),
        "linear, <= 150 ns");
  auto drained
    = s.counter("podshare_watch_stream/real_time", "items_per_second");
  s.row(
    "set_many of 1000 to a drained blocking watch",
    fmt("%.2f M events/s", drained / 1e6),
    fmt("%.2fx set_many alone",
        drained
          / s.counter("podshare_set_many/1000/real_time", "items_per_second")),
    "");
  for (auto n : {"10", "1000", "100000"})
    s.row(
      ("snapshot build+encode, " + std::string{n} + " keys").c_str(),
      fmt("%.3f ms", s.ns(std::string{"podshare_snapshot_build/"} + n) / 1e6),
      "", std::string{n} == "100000" ? "<= 50 ms" : "");
  s.row("longest write gap during 100k snapshots",
        fmt("%.2f ms", s.counter("podshare_snapshot_write_pause/real_time",
                                 "max_write_gap_ms")),
        fmt("%.2f ms without snapshots",
            s.counter("podshare_snapshot_write_pause/real_time",
                      "idle_write_gap_ms")),
        "<= 1 ms");
  s.row("open a late joiner from 100k snapshot",
        fmt("%.1f ms", s.ns("podshare_open_from_snapshot/real_time") / 1e6), "",
        "<= 250 ms");
  auto raw = s.per_second("baseline_redis_raw_publish/real_time") * 1000;
  auto ours = s.per_second("podshare_redis_publish/real_time") * 1000;
  s.row(
    "redis: publish throughput, pipelined", fmt("%.0f k msgs/s", ours / 1e3),
    fmt("%.2fx raw hiredis loop ", ours / raw) + fmt("(%.0f k/s)", raw / 1e3),
    ">= 0.5x raw loop");
  s.row(
    "redis: write on A -> watcher of B, p50 / p99",
    fmt("%.1f us / ",
        s.counter("podshare_redis_write_to_remote_watch/real_time", "p50_us"))
      + fmt(
        "%.1f us",
        s.counter("podshare_redis_write_to_remote_watch/real_time", "p99_us")),
    "", "(measured)");
  for (int m = 0; m < 2; ++m) {
    auto mode = std::to_string(m);
    auto rtt = s.ns("baseline_caf_request/" + mode + "/real_time");
    for (auto [label, name] :
         {std::pair{"callreply self-call p50 / p99", "callreply_self_call/"},
          std::pair{"callreply call, memory transport",
                    "callreply_call_other/"}}) {
      auto run = std::string{name} + mode + "/real_time";
      auto p50 = s.counter(run, "p50_us");
      s.row((std::string{label} + (m == 0 ? "" : ", responsive")).c_str(),
            fmt("%.1f us / ", p50) + fmt("%.1f us", s.counter(run, "p99_us")),
            fmt("%.1fx CAF rtt, ", p50 * 1e3 / rtt)
              + fmt("%.0f k calls/s", s.per_second(run) / 1e3),
            "p50 < 8.5 us (Go's)");
    }
  }
  auto range = s.ns("podshare_range_100");
  s.row("range of 100 keys out of 1,000,000", fmt("%.2f us", range / 1e3),
        fmt("%.2fx std::map", range / s.ns("baseline_std_map_range_100")),
        "< 20 us");
  auto walk = s.ns("podshare_prefix_walk") / 10000;
  s.row("prefix walk over 10,000 of 1,000,000, per key", fmt("%.1f ns", walk),
        fmt("%.2fx std::map",
            walk / (s.ns("baseline_std_map_prefix_walk") / 10000)),
        "memory speed");
  auto get_1m = s.ns("podshare_get_1m");
  s.row("get (in place) at 1,000,000 keys", fmt("%.1f ns", get_1m),
        fmt("%.2fx map find", get_1m / s.ns("baseline_map_find_1m")), "<= 2x");
  s.row("memory per live entry beyond key+value",
        fmt("%.0f bytes", s.counter("podshare_memory_per_entry/1/iterations:1",
                                    "overhead_bytes")),
        fmt("%.0f bytes with ordered_reads off",
            s.counter("podshare_memory_per_entry/0/iterations:1",
                      "overhead_bytes")),
        "<= 120 bytes");
}

} // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv))
    return 1;
  recording_reporter reporter;
  benchmark::RunSpecifiedBenchmarks(&reporter);
  print_summary(reporter);
  benchmark::Shutdown();
  if (reporter.errors() > 0) {
    std::fprintf(stderr, "%d benchmarks failed\n", reporter.errors());
    return 1;
  }
  return 0;
}
