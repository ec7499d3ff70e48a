// The cache key: XXH3-128 over tagged fields of every input that can change
// the shared object, except the user headers the compiler reads (those are
// checked per entry from its manifest, like ccache's direct mode).
#pragma once

#include <string>
#include <vector>

#include "cache/miss.hpp"
#include "toolchain/toolchain.hpp"
#include "core/request.hpp"

namespace cxximport::core {

struct KeyInput {
  std::string version;
  std::string generator;     // the scanner's and code generator's sources (CMake hashes them)
  std::string runtime_hash;  // templates/ (runtime headers and code templates)
  std::string module, source_path, source_text;
  std::string compiler_path, compiler_version;
  std::vector<std::string> compile_argv, link_argv;
  std::string ext_suffix, numpy_version, numpy_include, python_include, build_type;
  std::string cpu;  // cpu_identity() when -march=native is used, else empty
  std::vector<std::pair<std::string, std::string>> extra_files;  // (path, content hash): sources, depends
};

std::string compute_key(const KeyInput& in);

// The key's inputs as short named values (digests for the long ones), for
// saying which of them changed since a source's last build (cache/miss.hpp).
cache::KeyFields key_fields(const KeyInput& in);

// XXH3 of every file under dir (sorted), memoised for the process's life
// and, by the files' names, sizes and mtimes, in memo_dir (when not empty).
bool tree_hash(const std::string& dir, const std::string& memo_dir, std::string* hex, std::string* err);

}  // namespace cxximport::core
