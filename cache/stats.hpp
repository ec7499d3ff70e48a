// Persistent counters of a cache: a text file of "name value" lines,
// updated read-modify-write under an exclusive flock (the kernel drops it if
// the process dies, so a killed process never blocks the others). Where
// flock is unsupported, updates are best effort (a lost increment at worst).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>

namespace cxximport::cache {

// Adds delta to counter name (letters, digits, '_'); false on I/O errors.
bool add_counter(const std::string& path, std::string_view name, std::uint64_t delta);

// All counters (missing file: none). Unparsable lines are skipped.
std::map<std::string, std::uint64_t> read_counters(const std::string& path);

}  // namespace cxximport::cache
