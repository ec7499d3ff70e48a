// The compiler: where it is, what it is (identity for the cache key, memoised
// by the binary's size and mtime so a warm import starts no process), and the
// flags a module is built with.
#pragma once

#include <string>
#include <vector>

#include "build/process.hpp"
#include "scan/model.hpp"

namespace cxximport::build {

struct CompilerIdentity {
  std::string path;                      // resolved absolute path
  std::string version;                   // `--version` output
  std::vector<std::string> system_dirs;  // built-in include search path (headers there are covered by the identity)
};

// Finds `cxx` (a name or path) on PATH.
bool resolve_program(const std::string& name, std::string* path, std::string* err);

// Runs the compiler once per (path, size, mtime) and remembers the answer in
// memo_dir; later calls (this or any process) read the memo.
bool compiler_identity(const std::string& cxx, const std::string& memo_dir, ProcessRunner& runner,
                       CompilerIdentity* id, std::string* err);

// The identity compiler_identity last saw for `cxx`, without running or even
// finding it: for cache-only (CXXIMPORT_NO_BUILD) machines with no compiler.
bool remembered_identity(const std::string& cxx, const std::string& memo_dir, CompilerIdentity* id);

// What -march=native resolves to on this machine, for the key: the first
// processor's vendor, family, model and feature flags from /proc/cpuinfo
// (empty where that file does not exist).
std::string cpu_identity();

// True when the module is tuned for the build machine: the `native` option,
// or -march=native, -mtune=native, -mcpu=native among the flags.
bool host_specific(const scan::Directives& d);

struct FlagInput {
  std::string build_type = "release";    // or "debug"
  std::string templates_dir, python_include, numpy_include, source_dir;
  scan::Directives directives;           // merged: options first, then the file's own
};

struct Flags {
  std::vector<std::string> cxxflags;
  std::vector<std::string> ldflags;
};

Flags module_flags(const FlagInput& in);

}  // namespace cxximport::build
