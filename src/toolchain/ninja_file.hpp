// Writes build.ninja for one module: compile module.cpp (and any extra
// `sources`) with a depfile, link the shared object. All text goes through
// the escaping helpers here.
//
// A module's own build.ninja uses paths relative to its build directory, so
// `ninja` run there rebuilds it by hand. For a batch (`cxximport build`, one
// ninja process for many modules so -j schedules across them), each module
// is also written as a fragment with `dir` set: every path is then prefixed
// by the build directory, and a top-level file `subninja`s the fragments
// (each subninja has its own scope for rules and variables).
#pragma once

#include <string>
#include <vector>

namespace cxximport::build {

// $ -> $$, space -> "$ ", ':' -> "$:" (paths in build lines).
std::string ninja_escape_path(const std::string& path);
// $ -> $$ (variable values). Newlines are refused by the caller.
std::string ninja_escape_value(const std::string& value);

struct NinjaModule {
  std::vector<std::string> launcher;  // ccache, sccache, distcc: before every compile (not the link)
  std::vector<std::string> compiler;  // the compiler (also links)
  std::vector<std::string> cxxflags;  // everything but -c/-o/-MD/-MF
  std::vector<std::string> ldflags;   // after the objects
  std::string main_source = "module.cpp";
  std::vector<std::string> extra_sources;  // absolute paths
  std::string output;                      // "compute.cpython-311-x86_64-linux-gnu.so"
  std::string dir;    // empty: relative paths; else the absolute build dir prefixed to every path (batch fragment)
  std::string label;  // shown in descriptions ("CXX pkg.kernels"); empty: "CXX $in", "LINK $out"
};

std::string write_ninja(const NinjaModule& m);

// The top-level file of a batch: `subninja` of each fragment (absolute paths).
std::string write_batch_ninja(const std::vector<std::string>& fragments);

// The depfile ninja keeps beside each object (deps are not moved into the
// ninja log, so the headers can be read back for the manifest).
std::vector<std::string> object_depfiles(const NinjaModule& m);

// The exact compile command of one translation unit, launcher included.
std::vector<std::string> compile_argv(const NinjaModule& m, const std::string& source, const std::string& object);

}  // namespace cxximport::build
