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
  SourceLoc loc;              // where the parameter starts (its first token)
};

// `template <pyx::fused<int, double> T>` or `template <my_type T>` where the
// file defines `template <class T> concept my_type = pyx::fused<T, int, double>;`
struct FusedParam {
  std::string name;                // "T"
  std::vector<std::string> types;  // {"int", "double"}, whitespace-normalised
};

// What an export becomes in Python.
enum class ExportKind {
  function,  // PYX_EXPORT: a function taking and returning Python objects
  ufunc,     // PYX_UFUNC: a numpy.ufunc whose inner loop calls the scalar function
  gufunc,    // PYX_GUFUNC("(n),(n)->()"): a generalized ufunc over core dimensions
};

// The ufunc options, from the marks after PYX_UFUNC / PYX_GUFUNC.
struct UfuncInfo {
  std::string signature;                       // gufunc: "(n),(n)->()" as written, spaces removed
  std::vector<std::vector<std::string>> core;  // gufunc: each operand's core dimension names, inputs first
  int nin = 0;                                 // gufunc: operands left of "->"
  std::string identity;                        // PYX_UFUNC_IDENTITY(expr): the expression text; empty if none
  bool needs_gil = false;                      // PYX_UFUNC_GIL: the loop holds the GIL
  bool parallel = false;                       // PYX_UFUNC_PARALLEL: OpenMP over large calls
  std::string parallel_threshold;              // PYX_UFUNC_PARALLEL_MIN(n): serial below n elements; empty = default
};

struct Export {
  std::string name;            // unqualified: the Python name
  std::string qualified_name;  // what generated C++ calls: "ns::inner::f", or "f" at file scope
  std::string return_type;     // whitespace-normalised; "void" when nothing is returned
  std::vector<Param> params;
  std::vector<FusedParam> fused;  // template parameters in declaration order; empty for plain functions
  std::string doc;                // `///` lines joined by '\n', "/// " prefix stripped
  bool nogil = false;             // PYX_NOGIL present
  ExportKind kind = ExportKind::function;
  UfuncInfo ufunc;        // for ufunc and gufunc exports
  bool is_const = false;  // a const member function
  SourceLoc loc;          // where the function name is
};

// `// cxximport: key` / `// cxximport: key = value` lines of the top comment block.
struct Directives {
  bool openmp = false;
  bool boundscheck = false;
  bool no_vecmath = false;  // `vecmath = false`: keep errno-setting scalar math (see toolchain.cpp)
  std::string arch;         // "auto" when empty, "native", "portable", or an -march value
  std::string std;          // "c++20" when empty
  std::string optimize;     // "0".."3", "s", "fast"; empty = default
  std::vector<std::string> cxxflags, ldflags, libraries, include_dirs, library_dirs, sources, depends;
};

// A public data member: `double total = 0;` -> attribute `total`.
struct Field {
  std::string name;
  std::string type;       // whitespace-normalised declared type
  bool readonly = false;  // declared const
  std::string doc;
  SourceLoc loc;
};

// `PYX_PROPERTY double mean() const;` (+ optional `PYX_PROPERTY void set_mean(double)`).
struct Property {
  std::string name;    // the getter's name
  std::string setter;  // "set_mean"; empty when read-only
  std::string doc;     // the getter's `///`
};

// An operator member: `Vec operator+(const Vec& o) const`.
// A friend operator is stored the same way, without the class's parameter:
// `friend Vec operator+(const Vec& v, double s)` as `operator+(double s)`, and
// `friend Vec operator+(double s, const Vec& v)` as the same with `reflected`
// (`s + v`, Python's __radd__).
struct Operator {
  std::string symbol;      // "+", "==", "+=", "()", "[]", "<<"
  Export fn;               // params/return as for a method; fn.name is "operator+"
  bool reflected = false;  // the class is the right operand
};

// `PYX_EXPORT struct Accumulator { ... };` or an instantiation of an exported
// class template named by `PYX_EXPORT using Accumulator64 = Accumulator<double>;`.
struct ClassExport {
  std::string name;            // the Python name (the alias name for templates)
  std::string qualified_name;  // C++ type: "ns::Accumulator" or "ns::Accumulator<double>"
  std::string doc;
  SourceLoc loc;
  std::vector<std::pair<std::string, std::string>> template_args;  // {"T", "double"}
  std::vector<Export> ctors;    // public constructors in declaration order (name = class name)
  std::vector<Export> methods;  // public non-static member functions (not operators)
  std::vector<Export> statics;  // public static member functions
  std::vector<Field> fields;
  std::vector<Property> properties;
  std::vector<Operator> operators;
  bool has_default_ctor = false;  // no user constructor declared: `T()` is implicit
  bool is_final = false;
};

// `PYX_IMPORT(geometry, geom::Vec);`: a class another module exports, used
// here as that module's Python type (docs/language.md, "Classes from another module").
struct ClassImport {
  std::string module;    // "geometry" or "pkg.geometry"
  std::string cpp_type;  // "geom::Vec" (no leading "::")
  SourceLoc loc;
};

struct ScanResult {
  std::vector<ClassExport> classes;  // exported classes and class template instantiations
  std::vector<ClassImport> imports;
  std::vector<Export> exports;
  Directives directives;
};

}  // namespace cxximport::scan
