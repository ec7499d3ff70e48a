// What one build call asks for and what it returns: the core's contract with
// its shells (the Python extension, tests).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "cache/miss.hpp"
#include "codegen/module_gen.hpp"
#include "scan/model.hpp"

namespace cxximport::core {

struct BuildRequest {
  std::string source;     // absolute path of the .cxxpyx
  std::string module;     // fully qualified module name
  std::string cache_dir;  // empty: $CXXIMPORT_CACHE_DIR, $XDG_CACHE_HOME/cxximport, ~/.cache/cxximport
  std::string cxx;        // empty: $CXX, else "c++"
  std::string launcher;   // ccache, sccache, distcc...; not part of the key
  std::string ninja = "ninja";
  std::string build_type = "release";
  int jobs = 0;  // 0: ninja's default
  bool no_build = false;
  bool force = false;
  bool verbose = false;
  double lock_timeout = 600;
  // The cache's size cap (cache/units.hpp syntax; "0": none), enforced after
  // each build by pruning the least recently used entries.
  std::string max_size = "5G";
  std::string templates_dir, python_include, numpy_include, numpy_version, ext_suffix;
  scan::Directives options;  // defaults from pyproject/install(); the file's directives are merged over them
};

struct BuildResult {
  std::string so_path;
  std::string entry_dir;
  std::string key;
  std::uint64_t so_dev = 0, so_ino = 0;  // the validated shared object (the loader checks it)
  bool built = false;
  double seconds = 0;
};

struct BuildFailure {
  // LockTimeout: another process held the key's build lock for lock_timeout
  // seconds (a Cache failure the user can fix by waiting longer).
  enum class Kind { Scan, Compile, NotCached, Cache, Input, LockTimeout } kind = Kind::Input;
  std::string message;
  std::string log;       // Compile: the full build output
  std::string command;   // Compile: the failing command
  std::string log_path;  // Compile: where the log is kept
  std::string filename;  // Scan
  int line = 0;          // Scan (1-based; 0: unknown)
  int column = 0;        // Scan (1-based; 0: unknown)
  // Compile: the generated module.cpp and its wrappers' spans (the lines of
  // each export's wrapper, as in wrappers.map), so an error there is shown at
  // the export's line without generating the module again.
  std::string module_cpp;
  std::vector<codegen::WrapperSpan> spans;
  cache::Miss miss;  // NotCached: why the cache had no usable entry
};

// Progress and diagnostics from inside a build: "wait", "building", "command",
// "output", "warning".
class Reporter {
 public:
  virtual ~Reporter() = default;
  virtual void event(const std::string& kind, const std::string& message) = 0;
  // True when the caller wants the build stopped (KeyboardInterrupt).
  virtual bool cancelled() { return false; }
};

}  // namespace cxximport::core
