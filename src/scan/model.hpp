// What the scanner finds in a .cxxpyx file: the exported functions, their
// fused template parameters and the directive block. Plain data: the code
// generator, the stub generator and the key computation all read it.
#pragma once

#include <string>
#include <vector>

namespace cxximport::scan {

struct SourceLoc {
  int line = 0;  // 1-based
  int col = 0;   // 1-based
};

struct Param {
  std::string type;           // type text, whitespace-normalised: "pyx::cview<const T, 2>"
  std::string name;           // "array_1"
  std::string default_value;  // C++ default expression text ("3", "std::nullopt"); empty if none
  SourceLoc loc;               // where the parameter starts (its first token)
};

// `template <pyx::fused<int, double> T>` or `template <my_type T>` where the
// file defines `template <class T> concept my_type = pyx::fused<T, int, double>;`
struct FusedParam {
  std::string name;                // "T"
  std::vector<std::string> types;  // {"int", "double"}, whitespace-normalised
};

struct Export {
  std::string name;                // unqualified: the Python name
  std::string qualified_name;      // what generated C++ calls: "ns::inner::f", or "f" at file scope
  std::string return_type;         // whitespace-normalised; "void" when nothing is returned
  std::vector<Param> params;
  std::vector<FusedParam> fused;   // template parameters in declaration order; empty for plain functions
  std::string doc;                 // `///` lines joined by '\n', "/// " prefix stripped
  bool nogil = false;              // PYX_NOGIL present
  SourceLoc loc;                   // where the function name is
};

// `// cxximport: key` / `// cxximport: key = value` lines of the top comment block.
struct Directives {
  bool openmp = false;
  bool boundscheck = false;
  bool no_vecmath = false;         // `vecmath = false`: keep errno-setting scalar math (see toolchain.cpp)
  std::string arch;                // "auto" when empty, "native", "portable", or an -march value
  std::string std;                 // "c++20" when empty
  std::string optimize;            // "0".."3", "s", "fast"; empty = default
  std::vector<std::string> cxxflags, ldflags, libraries, include_dirs, library_dirs, sources, depends;
};

struct ScanResult {
  std::vector<Export> exports;
  Directives directives;
};

}  // namespace cxximport::scan
