// Writes build.ninja for one module: compile module.cpp (and any extra
// `sources`) with a depfile, link the shared object. All text goes through
// the escaping helpers here.
#pragma once

#include <string>
#include <vector>

namespace cxximport::build {

// $ -> $$, space -> "$ ", ':' -> "$:" (paths in build lines).
std::string ninja_escape_path(const std::string& path);
// $ -> $$ (variable values). Newlines are refused by the caller.
std::string ninja_escape_value(const std::string& value);

struct NinjaModule {
  std::vector<std::string> compiler;      // launcher (optional) + compiler
  std::vector<std::string> cxxflags;      // everything but -c/-o/-MD/-MF
  std::vector<std::string> ldflags;       // after the objects
  std::string main_source = "module.cpp";
  std::vector<std::string> extra_sources; // absolute paths
  std::string output;                     // "compute.cpython-311-x86_64-linux-gnu.so"
};

std::string write_ninja(const NinjaModule& m);

// The depfile ninja keeps beside each object (deps are not moved into the
// ninja log, so the headers can be read back for the manifest).
std::vector<std::string> object_depfiles(const NinjaModule& m);

// The exact compile command of one translation unit (compile_commands.json).
std::vector<std::string> compile_argv(const NinjaModule& m, const std::string& source, const std::string& object);

}  // namespace cxximport::build
