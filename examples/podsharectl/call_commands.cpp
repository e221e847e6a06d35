#include "call_commands.hpp"

#include "commands.hpp"

#include "podshare/callreply/endpoint.hpp"
#include "podshare/error.hpp"

#include <nlohmann/json.hpp>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <thread>

#include <sys/wait.h>
#include <unistd.h>

namespace podsharectl {

namespace {

using podshare::bytes;
using podshare::ec;
namespace callreply = podshare::callreply;

/// The exit code of a call's outcome.
outcome outcome_of(const caf::error& err) {
  auto why = podshare::reason_of(err);
  struct mapping {
    ec code;
    exit_code exit;
  };
  static constexpr mapping outcomes[] = {
    {ec::no_route, exit_code::no_route},
    {ec::no_handler, exit_code::no_handler},
    {ec::busy, exit_code::busy},
    {ec::unreachable, exit_code::unreachable},
    {ec::handler_error, exit_code::handler_error},
    {ec::closed, exit_code::closed},
    {ec::timeout, exit_code::timeout},
  };
  for (auto& x : outcomes)
    if (err == x.code)
      return outcome::fail(x.exit, why);
  return failure(err);
}

caf::expected<callreply::endpoint>
open_endpoint(caf::actor_system& sys, podshare::transport_actor transport,
              const call_args& args, podshare::options opts) {
  callreply::endpoint_options eo;
  eo.pod = opts.node_id;
  eo.max_handlers = args.max_handlers;
  eo.store = std::move(opts);
  return callreply::endpoint::open(sys, std::move(transport), std::move(eo));
}

/// Runs `command` through `sh -c` with `input` on its standard input and
/// returns its standard output; a failing command is a handler error.
caf::expected<bytes> run_command(const std::string& command,
                                 const bytes& input) {
  // The input goes through a file, so that a command that writes before it
  // reads all of its input cannot deadlock against us.
  char path[] = "/tmp/podsharectl-call-XXXXXX";
  int fd = mkstemp(path);
  if (fd < 0)
    return caf::make_error(ec::handler_error, "mkstemp failed");
  auto written = ::write(fd, input.data(), input.size());
  ::close(fd);
  if (written != static_cast<ssize_t>(input.size())) {
    ::unlink(path);
    return caf::make_error(ec::handler_error, "writing the input failed");
  }
  auto line = "(" + command + ") < " + path;
  auto* pipe = ::popen(line.c_str(), "r");
  if (pipe == nullptr) {
    ::unlink(path);
    return caf::make_error(ec::handler_error, "cannot start the command");
  }
  bytes output;
  uint8_t buf[4096];
  size_t n = 0;
  while ((n = std::fread(buf, 1, sizeof(buf), pipe)) > 0)
    output.insert(output.end(), buf, buf + n);
  auto status = ::pclose(pipe);
  ::unlink(path);
  if (status == -1 || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
    return caf::make_error(
      ec::handler_error,
      "the command failed (status "
        + std::to_string(WIFEXITED(status) ? WEXITSTATUS(status) : status)
        + ")");
  // A trailing newline is the shell's habit, not part of the answer.
  if (!output.empty() && output.back() == '\n')
    output.pop_back();
  return output;
}

} // namespace

outcome call(caf::actor_system& sys, podshare::transport_actor transport,
             const call_args& args, podshare::options opts,
             caf::timespan timeout, std::ostream& out) {
  auto ep = open_endpoint(sys, std::move(transport), args, std::move(opts));
  if (!ep)
    return failure(ep.error());
  auto res = ep->call(args.target, args.method,
                      bytes(args.json.begin(), args.json.end()), timeout);
  ep->close();
  if (!res)
    return outcome_of(res.error());
  auto text = std::string(res->begin(), res->end());
  auto doc = nlohmann::json::parse(text, nullptr, false);
  out << (doc.is_discarded() ? nlohmann::json(text).dump() : doc.dump())
      << '\n';
  return outcome::ok();
}

outcome reply(caf::actor_system& sys, podshare::transport_actor transport,
              const call_args& args, podshare::options opts,
              const std::atomic<bool>& stop) {
  auto ep = open_endpoint(sys, std::move(transport), args, std::move(opts));
  if (!ep)
    return failure(ep.error());
  auto command = args.command;
  auto err = ep->register_handler(
    args.target, args.method,
    [command](const callreply::call_context&,
              const bytes& input) -> caf::expected<bytes> {
      if (command.empty())
        return input;
      return run_command(command, input);
    },
    callreply::handler_options{true});
  if (err)
    return failure(err);
  std::cerr << "podsharectl: answering " << args.target << "." << args.method
            << " as " << ep->pod() << " until SIGINT or SIGTERM" << std::endl;
  while (!stop.load())
    std::this_thread::sleep_for(std::chrono::milliseconds{50});
  if (auto closed = ep->close())
    return failure(closed);
  return outcome::ok();
}

} // namespace podsharectl
