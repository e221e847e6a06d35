// callreply in one process: a call to a target this endpoint owns (the
// handler runs here, as a Go self-call does) and a call from one endpoint
// to another over the memory transport, beside baseline_caf_request.

#include "common.hpp"

#include "podshare/callreply/endpoint.hpp"

#include <cstdlib>
#include <iostream>

namespace podshare::bench {

namespace {

using podshare::callreply::call_context;
using podshare::callreply::endpoint;
using podshare::callreply::endpoint_options;

endpoint open_endpoint(const std::string& pod, transport_actor transport,
                       scheduling mode) {
  endpoint_options opts;
  opts.pod = pod;
  auto res = endpoint::open(system(mode), std::move(transport), opts);
  if (!res) {
    std::cerr << "callreply endpoint: " << describe(res.error()) << '\n';
    std::abort();
  }
  return std::move(*res);
}

void register_echo(endpoint& ep) {
  auto err = ep.register_handler("bench", "echo",
                                 [](const call_context&, const bytes& args) {
                                   return caf::expected<bytes>{args};
                                 });
  if (err) {
    std::cerr << "register: " << describe(err) << '\n';
    std::abort();
  }
}

// Calls "bench".echo through `caller` with 64-byte arguments, one at a time.
void call_loop(benchmark::State& state, endpoint& caller) {
  bytes args(64, 7);
  std::vector<int64_t> samples;
  samples.reserve(100000);
  for (auto _ : state) {
    auto start = now_ns();
    auto res = caller.call("bench", "echo", args);
    samples.push_back(now_ns() - start);
    if (!res)
      state.SkipWithError("call failed");
  }
  report_percentiles(state, std::move(samples));
}

// A call whose target this endpoint owns: no transport.
void callreply_self_call(benchmark::State& state) {
  auto mode = scheduling_of(state);
  auto transport = make_transport(mode);
  auto ep = open_endpoint("self", transport, mode);
  register_echo(ep);
  call_loop(state, ep);
  ep.close();
  caf::anon_send(transport, close_atom::value);
}
BENCHMARK(callreply_self_call)->Arg(0)->Arg(1)->UseRealTime();

// A call from one endpoint to another over the memory transport.
void callreply_call_other(benchmark::State& state) {
  auto mode = scheduling_of(state);
  auto transport = make_transport(mode);
  auto owner = open_endpoint("owner", transport, mode);
  auto caller = open_endpoint("caller", transport, mode);
  register_echo(owner);
  while (caller.owner("bench") != "owner")
    std::this_thread::yield();
  call_loop(state, caller);
  caller.close();
  owner.close();
  caf::anon_send(transport, close_atom::value);
}
BENCHMARK(callreply_call_other)->Arg(0)->Arg(1)->UseRealTime();

} // namespace

} // namespace podshare::bench
