#include "calls.hpp"

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <iostream>
#include <thread>

namespace podshare::bench {

namespace {

using callreply::endpoint;

int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
           std::chrono::steady_clock::now().time_since_epoch())
    .count();
}

endpoint open_endpoint(pod& p, const std::string& name) {
  callreply::endpoint_options opts;
  opts.pod = name;
  auto res = endpoint::open(*p.sys, p.transport, opts);
  if (!res) {
    std::cerr << "callreply endpoint: " << describe(res.error()) << '\n';
    std::abort();
  }
  return std::move(*res);
}

} // namespace

endpoint answer_calls(pod& p) {
  auto ep = open_endpoint(p, "peer");
  auto err = ep.register_handler(
    "bench", "echo", [](const callreply::call_context&, const bytes& args) {
      return caf::expected<bytes>{args};
    });
  if (err) {
    std::cerr << "register: " << describe(err) << '\n';
    std::abort();
  }
  return ep;
}

call_figures measure_calls(pod& p, int rounds) {
  call_figures result;
  auto ep = open_endpoint(p, "main");
  // The route comes with the peer's snapshot or its next write.
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds{30};
  while (ep.owner("bench") != "peer") {
    if (std::chrono::steady_clock::now() > deadline) {
      std::cerr << "no route to the peer's echo\n";
      return result;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds{10});
  }
  bytes args(64, 7);
  for (int i = 0; i < rounds; ++i) {
    auto start = now_ns();
    auto res = ep.call("bench", "echo", args);
    if (!res) {
      std::cerr << "call failed: " << describe(res.error()) << '\n';
      return result;
    }
    result.round_trips.push_back(now_ns() - start);
  }
  result.callers = 8;
  std::atomic<int> failed{0};
  auto start = now_ns();
  std::vector<std::thread> callers;
  for (int t = 0; t < result.callers; ++t)
    callers.emplace_back([&] {
      for (int i = 0; i < rounds / 2; ++i)
        if (!ep.call("bench", "echo", args))
          ++failed;
    });
  for (auto& x : callers)
    x.join();
  auto seconds = static_cast<double>(now_ns() - start) / 1e9;
  if (failed.load() > 0)
    std::cerr << failed.load() << " concurrent calls failed\n";
  result.per_second = result.callers * (rounds / 2) / seconds;
  ep.close();
  return result;
}

} // namespace podshare::bench
