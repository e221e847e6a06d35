#pragma once

#include <string>

namespace podshare::coord {

/// This process's generation: 128 random bits as 32 lowercase hex
/// characters, minted once at first use and the same for every caller in
/// the process. A restarted process, with its disk or without, gets a new
/// one: what it writes under its generation never collides with what its
/// previous life wrote.
const std::string& process_generation();

/// A fresh generation, for tests and for callers that want one per object.
std::string fresh_generation();

/// Whether `x` looks like a generation (32 lowercase hex characters).
bool is_generation(const std::string& x);

} // namespace podshare::coord
