#include "command_line.hpp"

#include "podshare/error.hpp"

namespace podsharectl {

namespace {

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

} // namespace

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

} // namespace podsharectl
