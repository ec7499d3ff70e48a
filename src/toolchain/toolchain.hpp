// The compiler: where it is, what it is (identity for the cache key, memoised
// by the binary's size and mtime so a warm import starts no process), and the
// flags a module is built with.
#pragma once

#include <string>
#include <vector>

#include "toolchain/process.hpp"
#include "scan/model.hpp"

namespace cxximport::build {

struct CompilerIdentity {
  std::string path;                      // resolved absolute path
  std::string version;                   // `--version` output
  std::vector<std::string> system_dirs;  // built-in include search path (headers there are covered by the identity)
  bool x86_levels = false;               // accepts -march=x86-64-v2..v4 (GCC 11+, Clang 12+, x86 targets)
};

// Finds `cxx` (a name or path) on PATH.
bool resolve_program(const std::string& name, std::string* path, std::string* err);

// Why `cxx` and `launcher` (either may be empty) cannot build a module, with
// the fix; "" when they can. A C compiler driver (gcc, cc, clang) compiles
// module.cpp as C++ but links without the C++ standard library; a launcher
// that is not installed would fail inside ninja with only the shell's words.
std::string driver_problem(const std::string& cxx, const std::string& launcher);

// Runs the compiler once per (path, size, mtime) and remembers the answer in
// memo_dir; later calls (this or any process) read the memo.
bool compiler_identity(const std::string& cxx, const std::string& memo_dir, ProcessRunner& runner, CompilerIdentity* id,
                       std::string* err);

// The identity compiler_identity last saw for `cxx`, without running or even
// finding it: for cache-only (CXXIMPORT_NO_BUILD) machines with no compiler.
bool remembered_identity(const std::string& cxx, const std::string& memo_dir, CompilerIdentity* id);

// What -march=native resolves to on this machine, for the key: the first
// processor's vendor, family, model and feature flags from /proc/cpuinfo
// (empty where that file does not exist).
std::string cpu_identity();

// The x86-64 psABI level (1-4) a /proc/cpuinfo "flags" line provides, or 0
// when it lacks even the baseline (not an x86-64 CPU).
int x86_level(const std::string& cpuinfo_flags);

// x86_level() of this machine's first processor, read once per process.
int host_x86_level();

// What `arch = auto` compiles for: the host's psABI level, capped at v3, when
// the compiler knows the level names; empty (the compiler's default) else.
// v3 rather than v4: AVX2 is what nearly every machine of a cluster shares,
// and the wider AVX-512 registers rarely pay in memory-bound loops.
std::string auto_march(const CompilerIdentity& id, int host_level);

// True when the module is tuned for the build machine's exact CPU:
// `arch = native`, or -march=native, -mtune=native, -mcpu=native among the flags.
bool host_specific(const scan::Directives& d);

struct FlagInput {
  std::string build_type = "release";  // or "debug"
  std::string templates_dir, python_include, numpy_include, source_dir;
  std::string auto_march;       // what `arch = auto` means here (see auto_march())
  bool clang = false;           // the compiler is Clang (its numerics flags differ from GCC's)
  scan::Directives directives;  // merged: options first, then the file's own
};

struct Flags {
  std::vector<std::string> cxxflags;
  std::vector<std::string> ldflags;
};

Flags module_flags(const FlagInput& in);

}  // namespace cxximport::build
