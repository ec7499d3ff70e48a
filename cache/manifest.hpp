// The manifest of one cache entry.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace cxximport::cache {

// Version 1: first format.
inline constexpr int kFormatVersion = 1;

struct HeaderDigest {
  std::string path;  // absolute
  std::string hash;  // XXH3-128 hex of the content
};

struct Manifest {
  std::string module;          // fully qualified module name
  std::string source;          // absolute path of the .cxxpyx
  std::string key;             // 32 hex digits
  std::string so_name;         // file name of the shared object inside the entry
  std::uint64_t so_size = 0;
  std::string so_hash;         // XXH3-128 hex of the shared object
  std::vector<HeaderDigest> headers;  // user headers read by the compile (depfile), plus `depends`
  std::int64_t created = 0;    // unix seconds
};

std::string format_manifest(const Manifest& m);
bool parse_manifest(const std::string& text, Manifest* m, std::string* err);

}  // namespace cxximport::cache
