#pragma once

// podsharectl's command line: what it says, and its declaration to CLI11
// (docs/podsharectl.md describes every command).

#include "call_commands.hpp"
#include "coord_commands.hpp"
#include "load.hpp"
#include "transport_choice.hpp"

#include "podshare/version_vector.hpp"

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

namespace podsharectl {

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

/// Declares every command and option of `app`, parsing into `args`.
void declare(CLI::App& app, cli& args);

} // namespace podsharectl
