// podsharectl: joins a topic as a pod and reads, writes or watches it, with
// JSON documents as values. docs/podsharectl.md describes every command.
#include "call_commands.hpp"
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

/// Everything the command line says.
struct cli {
  transport_flags transport;
  std::string topic;
  std::string wire = "msgpack";
  std::string node_id;
  size_t wait_peers = 1;
  double timeout_seconds = 10;
  bool timeout_given = false;
  // Command arguments.
  std::string key;
  std::string value_text;
  nlohmann::json value;
  bool tombstones = false;
  std::string key_prefix;
  std::string range_from;
  std::string range_to;
  bool values = false;
  bool print_token = false;
  std::optional<podshare::write_token> wait_for;
  std::string watch_key;
  std::string watch_prefix;
  std::string watch_from;
  std::string watch_to;
  std::optional<uint64_t> count;
  std::string http;
  std::string load_file = "-";
  load_batch loaded;
  coord_args coord;
  call_args callreply;
};

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
    // Flushes a final snapshot before the process exits.
    if (auto err = s->close(); err && res.code == exit_code::ok)
      return failure(err);
    return res;
  }();
  close_transport(sys, transport);
  return result;
}

/// Declares the coordination commands (docs/coordination.md).
void declare_coord(CLI::App& app, coord_args& args) {
  auto* counter = app.add_subcommand(
    "counter", "incr|decr KEY [--by N]: print the new value; get KEY: the "
               "value (a crash-safe PN-counter)");
  counter->add_option("OP", args.op)
    ->required()
    ->check(CLI::IsMember({"incr", "decr", "get"}));
  counter->add_option("KEY", args.key)->required();
  counter->add_option("--by", args.by, "the amount (default 1)")
    ->check(CLI::PositiveNumber);
  auto* gen = app.add_subcommand(
    "gen", "bump KEY: print the new generation; get KEY: the current one");
  gen->add_option("OP", args.op)
    ->required()
    ->check(CLI::IsMember({"bump", "get"}));
  gen->add_option("KEY", args.key)->required();
  gen->add_flag("--atomic", args.atomic,
                "with --redis: one global order through Redis INCR");
  app.add_subcommand("members", "print the live members, one a line (a "
                                "serving pod is one)");
  auto* owner = app.add_subcommand(
    "owner", "print the live owner of PARTITION, or of the partition of "
             "--entity TENANT ENTITY; exit 1 when nobody is live");
  owner->add_option("PARTITION", args.partition);
  owner->add_option("--entity", args.entity, "TENANT ENTITY")->expected(2);
  owner
    ->add_option("--partitions", args.partitions,
                 "the partitions of the keyspace (default 256)")
    ->check(CLI::PositiveNumber);
}

/// Declares the callreply commands (docs/callreply.md).
void declare_callreply(CLI::App& app, call_args& args) {
  auto* call = app.add_subcommand(
    "call", "call METHOD of TARGET on the pod that owns it with JSON "
            "arguments and print the result; exit 5 no route, 6 no handler, "
            "7 busy, 8 unreachable, 9 handler error, 10 closed, 4 timeout");
  call->add_option("TARGET", args.target)->required();
  call->add_option("METHOD", args.method)->required();
  call->add_option("JSON", args.json)->required();
  auto* reply = app.add_subcommand(
    "reply", "claim TARGET and answer calls of METHOD until SIGINT or "
             "SIGTERM: echo the arguments, or answer what --command prints");
  reply->add_option("TARGET", args.target)->required();
  reply->add_option("METHOD", args.method)->required();
  reply->add_option("--command", args.command,
                    "run CMD (sh -c) per call, the arguments on its standard "
                    "input; its standard output is the answer, a failure a "
                    "handler error");
  reply
    ->add_option("--max-handlers", args.max_handlers,
                 "calls answered at once; more are busy (default 1024)")
    ->check(CLI::PositiveNumber);
}

/// Declares the command line; returns the subcommands.
void declare(CLI::App& app, cli& args) {
  app.require_subcommand(1);
  app.fallthrough();
  add_transport_flags(app, args.transport);
  app.add_option("--topic", args.topic,
                 "the topic to join (coordination commands: default their "
                 "own)");
  app.add_option("--wire", args.wire, "wire encoding this pod sends")
    ->check(CLI::IsMember({"msgpack", "json"}));
  app.add_option("--node-id", args.node_id, "this pod's node id");
  app.add_option("--wait-peers", args.wait_peers,
                 "P2P: connected peers to wait for before a short-lived "
                 "command (default 1)");
  app
    .add_option("--timeout", args.timeout_seconds,
                "seconds for the whole command (default 10); a watch ends "
                "at it")
    ->check(CLI::PositiveNumber)
    ->each([&args](const std::string&) { args.timeout_given = true; });

  auto* get = app.add_subcommand("get", "print the value as one JSON line; "
                                        "exit 1 if absent");
  get->add_option("KEY", args.key)->required();
  auto* set = app.add_subcommand("set", "write a JSON document; exit 0 once "
                                        "applied and handed to the transport");
  set->add_option("KEY", args.key)->required();
  set->add_option("JSON", args.value_text)->required();
  set->add_flag("--print-token", args.print_token,
                "print the write's token, for --wait-for on another pod");
  auto* del = app.add_subcommand("del", "delete a key");
  del->add_option("KEY", args.key)->required();
  auto* keys = app.add_subcommand("keys", "print the live keys in key order, "
                                          "one a line");
  keys->add_option("--prefix", args.key_prefix, "only keys that start with P")
    ->type_name("P");
  auto* range = app.add_subcommand(
    "range", "print the live keys from FROM up to but excluding TO, in key "
             "order, one a line; an empty TO (\"\") is no upper bound");
  range->add_option("FROM", args.range_from)->required();
  range->add_option("TO", args.range_to)->required();
  for (auto* lister : {keys, range})
    lister->add_flag("--values", args.values,
                     "print JSON lines {\"key\",\"value\"} instead, the "
                     "shape load reads");
  auto* dump = app.add_subcommand(
    "dump", "print one JSON object: key -> {value, timestamp, origin, seq}");
  dump->add_flag("--tombstones", args.tombstones,
                 "include deleted keys (\"tombstone\": true)");
  for (auto* reader : {get, keys, range, dump})
    reader
      ->add_option_function<std::string>(
        "--wait-for",
        [&args](const std::string& text) {
          auto token = podshare::parse_write_token(text);
          if (!token)
            throw CLI::ValidationError("--wait-for",
                                       podshare::describe(token.error()));
          args.wait_for = std::move(*token);
        },
        "read once this pod has applied the write of TOKEN (set "
        "--print-token), waiting up to --timeout")
      ->type_name("TOKEN");
  auto* watch = app.add_subcommand(
    "watch", "print one JSON line per event: "
             "{\"kind\",\"key\",\"value\",\"origin\",\"timestamp\"}");
  auto* wkey = watch->add_option("--key", args.watch_key, "only this key");
  auto* wprefix = watch
                    ->add_option("--prefix", args.watch_prefix,
                                 "only keys with this prefix")
                    ->excludes(wkey);
  // Either bound alone leaves the range open on the other side.
  watch->add_option("--from", args.watch_from, "only keys from A on")
    ->type_name("A")
    ->excludes(wkey)
    ->excludes(wprefix);
  watch->add_option("--to", args.watch_to, "only keys before B")
    ->type_name("B")
    ->excludes(wkey)
    ->excludes(wprefix);
  watch->add_option("--count", args.count, "stop after N events")
    ->check(CLI::PositiveNumber);
  app.add_subcommand("stats", "print the store's counters as one JSON object");
  auto* load = app.add_subcommand(
    "load",
    "write the JSON lines of FILE (default -, standard input), in "
    "the shape watch prints: {\"key\",\"value\"} sets, "
    "{\"kind\":\"delete\",\"key\"} deletes; print {\"set\",\"deleted\"}");
  load->add_option("FILE", args.load_file, "JSON lines; - for standard input");
  auto* serve = app.add_subcommand("serve", "stay in the mesh as a pod until "
                                            "SIGINT or SIGTERM, then close "
                                            "cleanly");
  serve->add_option("--http", args.http,
                    "HOST:PORT: serve /metrics, /healthz, /readyz, "
                    "/api/status, the store API and its page meanwhile");
  declare_coord(app, args.coord);
  declare_callreply(app, args.callreply);
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
