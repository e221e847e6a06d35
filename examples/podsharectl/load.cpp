#include "load.hpp"

#include <algorithm>
#include <fstream>
#include <iostream>
#include <utility>

namespace podsharectl {

namespace {

/// One line's write: a value to set, or none to delete.
struct line_write {
  std::string key;
  std::optional<nlohmann::json> value;
};

std::optional<line_write> parse_line(const std::string& text,
                                     std::string& reason) {
  nlohmann::json line;
  try {
    line = nlohmann::json::parse(text);
  } catch (const nlohmann::json::exception& ex) {
    reason = ex.what();
    return std::nullopt;
  }
  if (!line.is_object()) {
    reason = "not a JSON object";
    return std::nullopt;
  }
  auto key = line.find("key");
  if (key == line.end() || !key->is_string()
      || key->get_ref<const std::string&>().empty()) {
    reason = "\"key\" is not a non-empty string";
    return std::nullopt;
  }
  auto kind = line.find("kind");
  if (kind != line.end() && *kind == "delete")
    return line_write{key->get<std::string>(), std::nullopt};
  if (kind != line.end() && *kind != "set") {
    reason = "\"kind\" is neither \"set\" nor \"delete\"";
    return std::nullopt;
  }
  auto value = line.find("value");
  if (value == line.end()) {
    reason = "no \"value\" (and \"kind\" is not \"delete\")";
    return std::nullopt;
  }
  return line_write{key->get<std::string>(), std::move(*value)};
}

} // namespace

std::optional<load_batch> parse_load(std::istream& in, std::string& reason) {
  // The last line of a key wins, as if each line were written in order.
  std::unordered_map<std::string, std::optional<nlohmann::json>> last;
  std::string text;
  size_t number = 0;
  while (std::getline(in, text)) {
    ++number;
    if (text.find_first_not_of(" \t\r") == std::string::npos)
      continue;
    std::string why;
    auto write = parse_line(text, why);
    if (!write) {
      reason = "line " + std::to_string(number) + ": " + why;
      return std::nullopt;
    }
    last[std::move(write->key)] = std::move(write->value);
  }
  if (in.bad()) {
    reason = "reading stopped after line " + std::to_string(number);
    return std::nullopt;
  }
  load_batch result;
  for (auto& [key, value] : last) {
    if (value)
      result.sets.emplace(key, std::move(*value));
    else
      result.deletes.push_back(key);
  }
  return result;
}

outcome read_load_file(const std::string& name, load_batch& into) {
  std::ifstream file;
  if (name != "-") {
    file.open(name);
    if (!file)
      return outcome::fail(exit_code::usage, "cannot open " + name);
  }
  std::string reason;
  auto batch = parse_load(name == "-" ? std::cin : file, reason);
  if (!batch)
    return outcome::fail(exit_code::usage,
                         (name == "-" ? "standard input" : name) + ": "
                           + reason);
  into = std::move(*batch);
  return outcome::ok();
}

outcome load(json_store& s, const load_batch& batch, std::ostream& out,
             size_t batch_size) {
  std::unordered_map<std::string, nlohmann::json> chunk;
  size_t written = 0;
  // A failed batch says how far the load got: the batches before it stand.
  auto stopped = [&](const caf::error& err) {
    auto res = failure(err);
    res.reason = "after " + std::to_string(written) + " of "
                 + std::to_string(batch.sets.size() + batch.deletes.size())
                 + " keys: " + res.reason;
    return res;
  };
  auto write_chunk = [&]() -> outcome {
    auto res = s.set_many(chunk);
    if (!res)
      return stopped(res.error());
    written += chunk.size();
    chunk.clear();
    return outcome::ok();
  };
  for (auto& [key, value] : batch.sets) {
    chunk.emplace(key, value);
    if (chunk.size() == batch_size)
      if (auto res = write_chunk(); res.code != exit_code::ok)
        return res;
  }
  if (!chunk.empty())
    if (auto res = write_chunk(); res.code != exit_code::ok)
      return res;
  for (size_t i = 0; i < batch.deletes.size(); i += batch_size) {
    auto end = std::min(batch.deletes.size(), i + batch_size);
    auto res
      = s.erase_many({batch.deletes.begin() + static_cast<ptrdiff_t>(i),
                      batch.deletes.begin() + static_cast<ptrdiff_t>(end)});
    if (!res)
      return stopped(res.error());
    written += end - i;
  }
  out << nlohmann::json{{"set", batch.sets.size()},
                        {"deleted", batch.deletes.size()}}
           .dump()
      << '\n';
  return outcome::ok();
}

} // namespace podsharectl
