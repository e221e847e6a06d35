// podsharectl: joins a topic as a pod and reads, writes or watches it, with
// JSON documents as values. docs/podsharectl.md describes every command.
#include "call_commands.hpp"
#include "command_line.hpp"
#include "commands.hpp"
#include "coord_commands.hpp"
#include "exit_code.hpp"
#include "load.hpp"
#include "serve.hpp"
#include "transport_choice.hpp"

#include "podshare/error.hpp"
#include "podshare/key_range.hpp"
#include "podshare/wire.hpp"

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>

#include <CLI/CLI.hpp>

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <iostream>
#include <optional>
#include <string>
#include <string_view>

namespace podsharectl {

namespace {

/// Set by SIGINT and SIGTERM; `serve` and `watch` poll it.
std::atomic<bool> stop_requested{false};
static_assert(std::atomic<bool>::is_always_lock_free);

extern "C" void on_stop_signal(int) {
  stop_requested.store(true);
}

/// The coordination commands, which have default topics of their own.
bool is_coord_command(const std::string& name) {
  return name == "counter" || name == "gen" || name == "members"
         || name == "owner";
}

/// The callreply commands, which use the routing topic.
bool is_callreply_command(const std::string& name) {
  return name == "call" || name == "reply";
}

caf::timespan timeout_of(const cli& x) {
  return std::chrono::duration_cast<caf::timespan>(
    std::chrono::duration<double>{x.timeout_seconds});
}

/// Prints the live keys in [from, to) for `keys` and `range`, or with
/// --values their entries as JSON lines.
outcome print_range(const cli& args, const json_store& s, std::string_view from,
                    std::string_view to) {
  return args.values ? entries(s, from, to, std::cout)
                     : keys(s, from, to, std::cout);
}

/// The events `watch` prints: of --key, of --prefix, in --from/--to, or all.
podshare::watch_filter watch_filter_of(const cli& args) {
  if (!args.watch_key.empty())
    return podshare::watch_filter::key(args.watch_key);
  if (!args.watch_prefix.empty())
    return podshare::watch_filter::prefix(args.watch_prefix);
  if (!args.watch_from.empty() || !args.watch_to.empty())
    return podshare::watch_filter::range(args.watch_from, args.watch_to);
  return podshare::watch_filter::all();
}

/// Runs the chosen command on an open store.
outcome dispatch(const CLI::App& cmd, const cli& args, json_store& s) {
  auto name = cmd.get_name();
  if (args.wait_for) {
    if (auto err = s.wait_for(*args.wait_for, timeout_of(args)))
      return failure(err);
  }
  if (name == "get")
    return get(s, args.key, std::cout);
  if (name == "set")
    return set(s, args.key, args.value,
               args.print_token ? &std::cout : nullptr);
  if (name == "del")
    return del(s, args.key);
  if (name == "keys")
    return print_range(args, s, args.key_prefix,
                       podshare::prefix_end(args.key_prefix));
  if (name == "range")
    return print_range(args, s, args.range_from, args.range_to);
  if (name == "dump")
    return dump(s, args.tombstones, std::cout);
  if (name == "stats")
    return stats(s, std::cout);
  if (name == "load")
    return load(s, args.loaded, std::cout);
  if (name == "watch") {
    watch_limits limits;
    limits.count = args.count;
    if (args.timeout_given)
      limits.timeout = timeout_of(args);
    limits.stop = &stop_requested;
    return watch(s, watch_filter_of(args), limits, std::cout);
  }
  // serve is handled by `run`, which has the transport.
  return outcome::fail(exit_code::usage, "unknown command " + name);
}

/// Runs a coordination command on the chosen transport.
outcome run_coord(caf::actor_system& sys, const std::string& name,
                  const cli& args, const transport_choice& transport,
                  podshare::options opts) {
  auto coord = args.coord;
  coord.topic = args.topic;
  coord.redis_url = args.transport.redis;
  // A member heartbeats every few seconds: listening for it takes up to
  // the whole --timeout when one was given.
  auto wait = args.timeout_given ? timeout_of(args) : timeout_of(args) / 2;
  if (name == "counter")
    return counter(sys, transport.handle, coord, std::move(opts), std::cout);
  if (name == "gen")
    return gen(sys, transport.handle, coord, std::move(opts), std::cout);
  if (name == "members")
    return members(sys, transport.handle, coord, std::move(opts), wait,
                   std::cout);
  return owner(sys, transport.handle, coord, std::move(opts), wait, std::cout);
}

/// Opens the store on the chosen transport and runs the command.
outcome run(const CLI::App& cmd, const cli& args) {
  caf::actor_system_config cfg;
  if (auto prepared = prepare_system(cfg, args.transport);
      prepared.code != exit_code::ok)
    return prepared;
  caf::actor_system sys{cfg};
  auto transport = choose_transport(sys, args.transport);
  if (transport.outcome.code != exit_code::ok)
    return transport.outcome;
  auto result = [&] {
    podshare::options opts;
    opts.node_id = args.node_id;
    opts.wire = args.wire == "json" ? podshare::wire::format::json
                                    : podshare::wire::format::msgpack;
    opts.call_timeout = timeout_of(args);
    // A --timeout given is the user's bound for everything, the transport
    // included (a 1,000,000-key snapshot takes Redis longer than the
    // default 5 s); the default shortens the transport's, never lengthens.
    opts.transport_timeout
      = args.timeout_given
          ? opts.call_timeout
          : std::min(opts.transport_timeout, opts.call_timeout);
    // Before opening: over P2P the store loads its snapshot from the peers
    // connected at that moment.
    auto short_lived = cmd.get_name() != "serve" && cmd.get_name() != "watch"
                       && cmd.get_name() != "reply";
    if (short_lived) {
      auto ready = wait_for_peers(transport, args.wait_peers, timeout_of(args));
      if (ready.code != exit_code::ok)
        return ready;
    }
    if (is_coord_command(cmd.get_name()))
      return run_coord(sys, cmd.get_name(), args, transport, opts);
    if (cmd.get_name() == "call")
      return call(sys, transport.handle, args.callreply, opts, timeout_of(args),
                  std::cout);
    if (cmd.get_name() == "reply")
      return reply(sys, transport.handle, args.callreply, opts, stop_requested);
    auto s = json_store::open(sys, args.topic, transport.handle, opts);
    if (!s)
      return failure(s.error());
    auto res = cmd.get_name() == "serve"
                 ? serve(sys, transport, *s, args.http, stop_requested)
                 : dispatch(cmd, args, *s);
    // The answer goes out now: closing may still write a final snapshot.
    std::cout.flush();
    // Flushes a final snapshot before the process exits.
    if (auto err = s->close(); err && res.code == exit_code::ok)
      return failure(err);
    return res;
  }();
  close_transport(sys, transport);
  return result;
}

int fail(const outcome& x) {
  if (!x.reason.empty())
    std::fprintf(stderr, "podsharectl: %s\n", x.reason.c_str());
  return static_cast<int>(x.code);
}

} // namespace

} // namespace podsharectl

int main(int argc, char** argv) {
  using namespace podsharectl;
  CLI::App app{"podsharectl: read, write and watch a podshare topic as a pod, "
               "with JSON documents as values.\nExit codes: 0 success, 1 key "
               "absent, 2 usage error, 3 transport error, 4 timeout; call: "
               "5-10 (call --help)."};
  cli args;
  declare(app, args);
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    return fail(
      outcome::fail(exit_code::usage, std::string{e.what()} + " (see --help)"));
  }
  auto* cmd = app.get_subcommands().front();
  if (args.topic.empty() && !is_coord_command(cmd->get_name())
      && !is_callreply_command(cmd->get_name()))
    return fail(outcome::fail(exit_code::usage, "--topic is required"));
  if (cmd->get_name() == "call") {
    std::string reason;
    auto value = parse_value(args.callreply.json, reason);
    if (!value)
      return fail(
        outcome::fail(exit_code::usage, "invalid JSON arguments: " + reason));
    args.callreply.json = value->dump();
  }
  if (cmd->get_name() == "set") {
    std::string reason;
    auto value = parse_value(args.value_text, reason);
    if (!value)
      return fail(
        outcome::fail(exit_code::usage, "invalid JSON value: " + reason));
    args.value = std::move(*value);
  }
  // Read before joining: a bad file writes nothing.
  if (cmd->get_name() == "load") {
    if (auto read = read_load_file(args.load_file, args.loaded);
        read.code != exit_code::ok)
      return fail(read);
  }
  std::signal(SIGINT, on_stop_signal);
  std::signal(SIGTERM, on_stop_signal);
  return fail(run(*cmd, args));
}
