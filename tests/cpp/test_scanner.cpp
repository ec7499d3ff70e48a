// Scanner tests: what is found in a .cxxpyx file and which mistakes are
// reported where. Test names start with "scan_" so `cxximport_unittests scan`
// runs every scanner test.
#include <string>

#include "check.hpp"
#include "scan/scanner.hpp"

using namespace cxximport::scan;

namespace {

ScanResult scan_ok(const std::string& src) {
  ScanResult r;
  std::string err;
  bool ok = scan_source(src, "m.cxxpyx", &r, &err);
  CHECK_EQ(err, std::string());
  CHECK(ok);
  return r;
}

// The error message, which must name the file and position.
std::string scan_err(const std::string& src) {
  ScanResult r;
  std::string err;
  CHECK(!scan_source(src, "m.cxxpyx", &r, &err));
  CHECK(r.exports.empty());
  return err;
}

bool starts_with(const std::string& s, const std::string& prefix) { return s.rfind(prefix, 0) == 0; }
bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

const char* kDesignExample = R"X(// cxximport: openmp
#include <algorithm>
#include <stdexcept>

template <class T>
T clip(T a, T lo, T hi) { return std::min(std::max(a, lo), hi); }

/// clip(array_1, 2, 10) * a + array_2 * b + c, for 2-D arrays of one dtype.
template <pyx::fused<int, double, long long> T>
PYX_EXPORT pyx::array<T, 2> compute(pyx::cview<const T, 2> array_1,
                                    pyx::cview<const T, 2> array_2, T a, T b, T c) {
    if (array_1.shape() != array_2.shape())
        throw std::invalid_argument("array_1 and array_2 must have the same shape");
    auto result = pyx::empty<T>(array_1.shape());
    #pragma omp parallel for
    for (Py_ssize_t x = 0; x < array_1.shape(0); ++x)
        for (Py_ssize_t y = 0; y < array_1.shape(1); ++y)
            result(x, y) = clip(array_1(x, y), T(2), T(10)) * a + array_2(x, y) * b + c;
    return result;
}
)X";

}  // namespace

TEST(scan_design_brief_example) {
  ScanResult r = scan_ok(kDesignExample);
  CHECK(r.directives.openmp);
  CHECK_EQ(r.exports.size(), 1u);
  const Export& e = r.exports.at(0);
  CHECK_EQ(e.name, "compute");
  CHECK_EQ(e.qualified_name, "compute");
  CHECK_EQ(e.return_type, "pyx::array<T, 2>");
  CHECK_EQ(e.doc, "clip(array_1, 2, 10) * a + array_2 * b + c, for 2-D arrays of one dtype.");
  CHECK(!e.nogil);
  CHECK_EQ(e.loc.line, 10);
  CHECK_EQ(e.loc.col, 29);
  CHECK_EQ(e.fused.size(), 1u);
  CHECK_EQ(e.fused.at(0).name, "T");
  CHECK(e.fused.at(0).types == (std::vector<std::string>{"int", "double", "long long"}));
  CHECK_EQ(e.params.size(), 5u);
  const char* names[] = {"array_1", "array_2", "a", "b", "c"};
  const char* types[] = {"pyx::cview<const T, 2>", "pyx::cview<const T, 2>", "T", "T", "T"};
  for (size_t i = 0; i < 5; ++i) {
    CHECK_EQ(e.params.at(i).name, names[i]);
    CHECK_EQ(e.params.at(i).type, types[i]);
    CHECK_EQ(e.params.at(i).default_value, "");
  }
  CHECK_EQ(e.params.at(1).loc.line, 11);
  CHECK_EQ(e.params.at(1).loc.col, 37);
}

TEST(scan_plain_function_with_defaults) {
  ScanResult r = scan_ok(
      "PYX_EXPORT inline std::tuple<int, double> g(const std::string& s,\n"
      "    std::optional<int> n = std::nullopt, int b = 3);\n");
  CHECK_EQ(r.exports.size(), 1u);
  const Export& g = r.exports.at(0);
  CHECK_EQ(g.name, "g");
  CHECK_EQ(g.return_type, "std::tuple<int, double>");
  CHECK(g.fused.empty());
  CHECK_EQ(g.params.size(), 3u);
  CHECK_EQ(g.params.at(0).type, "const std::string&");
  CHECK_EQ(g.params.at(1).type, "std::optional<int>");
  CHECK_EQ(g.params.at(1).default_value, "std::nullopt");
  CHECK_EQ(g.params.at(2).default_value, "3");
}

TEST(scan_mark_on_variable_is_an_error) {
  std::string err = scan_err("int a;\nPYX_EXPORT int x = 3;\n");
  CHECK(starts_with(err, "m.cxxpyx:2:1: "));
  CHECK(contains(err, "must be followed by a function declaration"));
}

TEST(scan_named_concept_with_marks_before_template) {
  ScanResult r = scan_ok(
      "template <class T> concept my_type = pyx::fused<T, int, double, long long>;\n"
      "PYX_EXPORT PYX_NOGIL template <my_type T, pyx::fused<float, double> U>\n"
      "double f(pyx::view<T, 1> x, U s = U(1)) { return 0; }\n");
  CHECK_EQ(r.exports.size(), 1u);
  const Export& f = r.exports.at(0);
  CHECK_EQ(f.name, "f");
  CHECK(f.nogil);
  CHECK_EQ(f.return_type, "double");
  CHECK_EQ(f.fused.size(), 2u);
  CHECK_EQ(f.fused.at(0).name, "T");
  CHECK(f.fused.at(0).types == (std::vector<std::string>{"int", "double", "long long"}));
  CHECK_EQ(f.fused.at(1).name, "U");
  CHECK(f.fused.at(1).types == (std::vector<std::string>{"float", "double"}));
  CHECK_EQ(f.params.at(0).type, "pyx::view<T, 1>");
  CHECK_EQ(f.params.at(1).default_value, "U(1)");
  CHECK_EQ(f.loc.line, 3);
  CHECK_EQ(f.loc.col, 8);
}

TEST(scan_concept_spread_over_lines_with_qualified_types) {
  ScanResult r = scan_ok(
      "template <typename X>\n"
      "concept num =\n"
      "    pyx::fused<X, long long, std::int64_t,\n"
      "               std::complex<double>, unsigned   int>;\n"
      "template <num T> PYX_EXPORT T twice(T x) { return x + x; }\n");
  const Export& e = r.exports.at(0);
  CHECK(e.fused.at(0).types ==
        (std::vector<std::string>{"long long", "std::int64_t", "std::complex<double>", "unsigned int"}));
}

TEST(scan_concept_inside_namespace_and_qualified_use) {
  ScanResult r = scan_ok(
      "namespace k { template <class T> concept real = pyx::fused<T, float, double>; }\n"
      "template <k::real T> PYX_EXPORT T id(T x) { return x; }\n");
  CHECK(r.exports.at(0).fused.at(0).types == (std::vector<std::string>{"float", "double"}));
}

TEST(scan_nogil_and_export_in_either_order) {
  ScanResult r = scan_ok(
      "PYX_NOGIL PYX_EXPORT void a();\n"
      "template <pyx::fused<int> T> PYX_NOGIL PYX_EXPORT void b(T x);\n"
      "PYX_EXPORT void c();\n");
  CHECK_EQ(r.exports.size(), 3u);
  CHECK(r.exports.at(0).nogil);
  CHECK(r.exports.at(1).nogil);
  CHECK(!r.exports.at(2).nogil);
}

TEST(scan_specifiers_and_attributes_are_not_part_of_the_return_type) {
  ScanResult r = scan_ok(
      "PYX_EXPORT static void h();\n"
      "PYX_EXPORT [[nodiscard]] inline constexpr int i() { return 1; }\n"
      "[[nodiscard]] PYX_EXPORT static const char* j();\n"
      "PYX_EXPORT __attribute__((noinline)) long long k2();\n");
  CHECK_EQ(r.exports.at(0).return_type, "void");
  CHECK_EQ(r.exports.at(0).name, "h");
  CHECK_EQ(r.exports.at(1).return_type, "int");
  CHECK_EQ(r.exports.at(2).return_type, "const char*");
  CHECK_EQ(r.exports.at(3).return_type, "long long");
}

TEST(scan_trailing_return_type) {
  ScanResult r = scan_ok(
      "PYX_EXPORT auto k(int x) -> double { return x; }\n"
      "PYX_EXPORT auto m(int x) noexcept -> std::tuple<int, int>;\n");
  CHECK_EQ(r.exports.at(0).return_type, "double");
  CHECK_EQ(r.exports.at(0).params.at(0).name, "x");
  CHECK_EQ(r.exports.at(1).return_type, "std::tuple<int, int>");
}

TEST(scan_void_parameter_list_means_no_parameters) {
  ScanResult r = scan_ok("PYX_EXPORT int a(void);\nPYX_EXPORT int b( );\n");
  CHECK(r.exports.at(0).params.empty());
  CHECK(r.exports.at(1).params.empty());
}

TEST(scan_type_text_is_whitespace_normalised) {
  ScanResult r = scan_ok(
      "PYX_EXPORT std::vector<std::vector<int>> f(pyx::cview< const T , 2 > a,\n"
      "  std::string const & b, unsigned    int c, const  std :: string&d,\n"
      "  std::map<int,std::pair<int,long long>>e, int *p, const char * const q);\n");
  const Export& f = r.exports.at(0);
  CHECK_EQ(f.return_type, "std::vector<std::vector<int>>");
  CHECK_EQ(f.params.at(0).type, "pyx::cview<const T, 2>");
  CHECK_EQ(f.params.at(1).type, "std::string const&");
  CHECK_EQ(f.params.at(2).type, "unsigned int");
  CHECK_EQ(f.params.at(3).type, "const std::string&");
  CHECK_EQ(f.params.at(3).name, "d");
  CHECK_EQ(f.params.at(4).type, "std::map<int, std::pair<int, long long>>");
  CHECK_EQ(f.params.at(5).type, "int*");
  CHECK_EQ(f.params.at(6).type, "const char* const");
}

TEST(scan_defaults_with_nested_brackets_strings_and_commas) {
  ScanResult r = scan_ok(
      "PYX_EXPORT void f(std::vector<int> a = std::vector<int>{1, 2}, std::string b = \"a,b\",\n"
      "    int c = g(1, 2), std::pair<int, int> d = std::pair<int,int>(1,2),\n"
      "    int e = arr[1, 2], int h = (1 > 2) ? 3 : 4, int i = 1'000,\n"
      "    int j = []{ return 1; }(), char k = ',', std::string l = R\"(x,y)\");\n");
  const auto& p = r.exports.at(0).params;
  CHECK_EQ(p.size(), 10u);
  CHECK_EQ(p.at(0).default_value, "std::vector<int>{1, 2}");
  CHECK_EQ(p.at(1).default_value, "\"a,b\"");
  CHECK_EQ(p.at(2).default_value, "g(1, 2)");
  CHECK_EQ(p.at(3).default_value, "std::pair<int,int>(1,2)");
  CHECK_EQ(p.at(4).default_value, "arr[1, 2]");
  CHECK_EQ(p.at(5).default_value, "(1 > 2) ? 3 : 4");
  CHECK_EQ(p.at(6).default_value, "1'000");
  CHECK_EQ(p.at(7).default_value, "[]{ return 1; }()");
  CHECK_EQ(p.at(8).default_value, "','");
  CHECK_EQ(p.at(9).default_value, "R\"(x,y)\"");
  CHECK_EQ(p.at(9).name, "l");
}

TEST(scan_less_than_in_a_default_is_a_comparison) {
  ScanResult r = scan_ok(
      "PYX_EXPORT void f(bool a = x < y, int b = 2, bool c = (p < q), bool d = m >> 1,\n"
      "                  bool e = s < t, bool g = u > v, std::vector<int> h = {});\n");
  const auto& p = r.exports.at(0).params;
  CHECK_EQ(p.size(), 7u);
  CHECK_EQ(p.at(0).default_value, "x < y");
  CHECK_EQ(p.at(1).name, "b");
  CHECK_EQ(p.at(2).default_value, "(p < q)");
  CHECK_EQ(p.at(3).default_value, "m >> 1");
  CHECK_EQ(p.at(4).default_value, "s < t");
  CHECK_EQ(p.at(5).default_value, "u > v");
  CHECK_EQ(p.at(6).type, "std::vector<int>");
  CHECK_EQ(p.at(6).default_value, "{}");
}

TEST(scan_doc_lines_directly_above_are_joined) {
  ScanResult r = scan_ok(
      "/// First line.\n"
      "///   indented\n"
      "///\n"
      "///no space\n"
      "PYX_EXPORT int f();\n");
  CHECK_EQ(r.exports.at(0).doc, "First line.\n  indented\n\nno space");
}

TEST(scan_doc_above_template_line_or_above_marks) {
  ScanResult r = scan_ok(
      "/// Above the template.\n"
      "template <pyx::fused<int> T>\n"
      "PYX_EXPORT T a(T x);\n"
      "/// Above the marks.\n"
      "PYX_EXPORT PYX_NOGIL\n"
      "template <pyx::fused<int> T> T b(T x);\n");
  CHECK_EQ(r.exports.at(0).doc, "Above the template.");
  CHECK_EQ(r.exports.at(1).doc, "Above the marks.");
}

TEST(scan_blank_line_breaks_doc_association) {
  ScanResult r = scan_ok(
      "/// Orphan.\n"
      "\n"
      "PYX_EXPORT int f();\n"
      "/// Not mine either.\n"
      "// plain comment\n"
      "PYX_EXPORT int g();\n"
      "int x; /// trailing, not a doc line\n"
      "PYX_EXPORT int h();\n");
  CHECK_EQ(r.exports.at(0).doc, "");
  CHECK_EQ(r.exports.at(1).doc, "");
  CHECK_EQ(r.exports.at(2).doc, "");
}

TEST(scan_export_in_comments_is_ignored) {
  ScanResult r = scan_ok(
      "// PYX_EXPORT int a();\n"
      "/* PYX_EXPORT int b();\n"
      "   PYX_EXPORT int c(); */\n"
      "/// PYX_EXPORT int d();\n"
      "int e();\n");
  CHECK(r.exports.empty());
}

TEST(scan_export_inside_string_and_char_literals_is_ignored) {
  ScanResult r = scan_ok(
      "const char* s = \"PYX_EXPORT int a();\";\n"
      "const char* t = u8\"\\\" PYX_EXPORT int b();\";\n"
      "char c = '\"'; const char* u = \"PYX_EXPORT\";\n");
  CHECK(r.exports.empty());
}

TEST(scan_export_inside_raw_string_is_ignored) {
  ScanResult r = scan_ok(
      "const char* s = R\"py(\n"
      "PYX_EXPORT int a();\n"
      ")\" still inside\n"
      "PYX_EXPORT int b();\n"
      ")py\";\n"
      "PYX_EXPORT int real();\n");
  CHECK_EQ(r.exports.size(), 1u);
  CHECK_EQ(r.exports.at(0).name, "real");
  CHECK_EQ(r.exports.at(0).loc.line, 6);
}

TEST(scan_export_in_preprocessor_lines_is_ignored) {
  ScanResult r = scan_ok(
      "#define PYX_EXPORT\n"
      "#ifdef PYX_EXPORT\n"
      "#define MSG \"PYX_EXPORT\" /* PYX_EXPORT */ // PYX_EXPORT\n"
      "#endif\n"
      "PYX_EXPORT int after_pp();\n");
  CHECK_EQ(r.exports.size(), 1u);
  CHECK_EQ(r.exports.at(0).name, "after_pp");
}

// The scanner does not preprocess: what a macro marks would silently not be
// exported, so a macro that expands to a mark is refused where it is defined.
TEST(scan_macro_expanding_to_a_mark_is_an_error) {
  std::string err = scan_err(
      "int x;\n"
      "#define DECL(n) \\\n"
      "  PYX_EXPORT int n();\n"
      "DECL(f)\n");
  CHECK(starts_with(err, "m.cxxpyx:2:1: macro 'DECL' expands to PYX_EXPORT"));
  CHECK(contains(scan_err("#define FAST PYX_NOGIL\nPYX_EXPORT FAST int f();\n"),
                 "m.cxxpyx:1:1: macro 'FAST' expands to PYX_NOGIL"));
}

TEST(scan_namespaces_give_qualified_names) {
  ScanResult r = scan_ok(
      "namespace outer {\n"
      "namespace inner {\n"
      "PYX_EXPORT int f();\n"
      "}  // namespace inner\n"
      "PYX_EXPORT int g();\n"
      "}\n"
      "namespace a::b { PYX_EXPORT int h(); }\n"
      "namespace { PYX_EXPORT int anon(); }\n"
      "inline namespace v1 { PYX_EXPORT int versioned(); }\n"
      "extern \"C++\" { PYX_EXPORT int linked(); }\n"
      "PYX_EXPORT int top();\n");
  const auto& e = r.exports;
  CHECK_EQ(e.size(), 7u);
  CHECK_EQ(e.at(0).name, "f");
  CHECK_EQ(e.at(0).qualified_name, "outer::inner::f");
  CHECK_EQ(e.at(1).qualified_name, "outer::g");
  CHECK_EQ(e.at(2).qualified_name, "a::b::h");
  CHECK_EQ(e.at(3).qualified_name, "anon");
  CHECK_EQ(e.at(4).qualified_name, "v1::versioned");
  CHECK_EQ(e.at(5).qualified_name, "linked");
  CHECK_EQ(e.at(6).qualified_name, "top");
}

TEST(scan_ordinary_code_between_exports_is_skipped) {
  ScanResult r = scan_ok(
      "#include <vector>\n"
      "struct Point { int x, y; int sum() const { return x + y; } };\n"
      "template <class T> struct Box { T v; };\n"
      "enum class Color : int { red, green };\n"
      "static int table[] = {1, 2, 3};\n"
      "auto lambda = [](int a) { if (a) { return \"}\"; } return \"{\"; };\n"
      "template <class T>\n"
      "T clip(T a, T lo, T hi) { return a < lo ? lo : (a > hi ? hi : a); }\n"
      "using Vec = std::vector<int>;\n"
      "PYX_EXPORT int after_all_that(int a) {\n"
      "  for (int i = 0; i < a; ++i) { struct Local {}; }\n"
      "  return a;\n"
      "}\n"
      "PYX_EXPORT int last();\n");
  CHECK_EQ(r.exports.size(), 2u);
  CHECK_EQ(r.exports.at(0).name, "after_all_that");
  CHECK_EQ(r.exports.at(1).name, "last");
}

TEST(scan_directives_are_returned_with_exports) {
  ScanResult r = scan_ok(
      "// cxximport: std = c++23\n// cxximport: libraries = m\n#include <cmath>\n"
      "PYX_EXPORT double s(double x) { return std::sin(x); }\n");
  CHECK_EQ(r.directives.std, "c++23");
  CHECK(r.directives.libraries == (std::vector<std::string>{"m"}));
  CHECK_EQ(r.exports.size(), 1u);
}

// --- errors -----------------------------------------------------------------

TEST(scan_mark_on_class_exports_it) {
  ScanResult r;
  std::string err;
  CHECK(scan_source("\n\nPYX_EXPORT struct S { int f(); };\n", "m.cxxpyx", &r, &err));
  CHECK_EQ(r.classes.size(), 1u);
  CHECK_EQ(r.classes[0].methods.size(), 1u);
  CHECK(starts_with(scan_err("PYX_EXPORT class C;\n"), "m.cxxpyx:1:18: PYX_EXPORT on class 'C' needs its definition"));
}

TEST(scan_error_mark_at_end_of_file) {
  CHECK(starts_with(scan_err("int a;\nPYX_EXPORT\n"), "m.cxxpyx:2:1: PYX_EXPORT must be followed"));
}

TEST(scan_error_parameter_without_name) {
  std::string err = scan_err("PYX_EXPORT void f(int a,\n                  int);\n");
  CHECK_EQ(err,
           "m.cxxpyx:2:19: parameter 2 of 'f' has no name; every parameter needs one, since "
           "Python can pass it by keyword");
  CHECK(starts_with(scan_err("PYX_EXPORT void f(const T&);"), "m.cxxpyx:1:19: parameter 1 of 'f' has no name"));
  CHECK(starts_with(scan_err("PYX_EXPORT void f(long long);"), "m.cxxpyx:1:19: parameter 1 of 'f' has no name"));
  CHECK(starts_with(scan_err("PYX_EXPORT void f(std::string);"), "m.cxxpyx:1:19: parameter 1 of 'f' has no name"));
  CHECK(starts_with(scan_err("PYX_EXPORT void f(const x = 2);"), "m.cxxpyx:1:19: parameter 1 of 'f' has no name"));
  CHECK(starts_with(scan_err("PYX_EXPORT void f(int (*cb)(int));"), "m.cxxpyx:1:19: parameter 1 of 'f' has no name"));
}

TEST(scan_error_variadic_parameters) {
  CHECK_EQ(scan_err("PYX_EXPORT void f(int a, ...);"),
           "m.cxxpyx:1:26: variadic parameters ('...') cannot be exported: 'f' needs a fixed "
           "parameter list");
  CHECK(starts_with(scan_err("\nPYX_EXPORT void g(Ts&&... xs);"), "m.cxxpyx:2:23: variadic parameters"));
}

TEST(scan_error_duplicate_export_names_mention_overloads) {
  std::string err = scan_err("PYX_EXPORT int f(int a);\nnamespace n {\nPYX_EXPORT double f(double a);\n}");
  CHECK_EQ(err,
           "m.cxxpyx:3:19: duplicate export 'f' (first exported at line 1): C++ overloads are "
           "not supported, give each exported function its own name");
}

TEST(scan_error_parameter_named_like_python_keyword) {
  CHECK_EQ(scan_err("PYX_EXPORT void f(int lambda);"),
           "m.cxxpyx:1:23: parameter name 'lambda' of 'f' is a Python keyword; rename it");
  CHECK(starts_with(scan_err("PYX_EXPORT void f(int None);"), "m.cxxpyx:1:23: parameter name 'None'"));
  scan_ok("PYX_EXPORT void f(int match, int type, int _);");  // soft keywords are fine
}

TEST(scan_error_same_parameter_name_twice) {
  CHECK_EQ(scan_err("PYX_EXPORT void f(int a, double a);"), "m.cxxpyx:1:33: parameter 'a' appears twice in 'f'");
}

TEST(scan_error_member_function) {
  std::string err = scan_err("struct S {\n  int x;\n  PYX_EXPORT int get();\n};\n");
  CHECK(starts_with(err, "m.cxxpyx:3:3: PYX_EXPORT on a member function is not supported"));
  CHECK(starts_with(scan_err("namespace n { class C {\n public:\n  PYX_NOGIL PYX_EXPORT void f(); }; }"),
                    "m.cxxpyx:3:3: PYX_NOGIL on a member function is not supported"));
  CHECK(starts_with(scan_err("template <class T> struct S { void g() { }\nPYX_EXPORT void f(); };"),
                    "m.cxxpyx:2:1: PYX_EXPORT on a member function"));
}

TEST(scan_error_mark_inside_function_body) {
  CHECK(starts_with(scan_err("void outer() {\n  PYX_EXPORT int f();\n}"),
                    "m.cxxpyx:2:3: PYX_EXPORT inside a function body or initializer"));
}

TEST(scan_error_unbalanced_bracket_in_declaration) {
  CHECK_EQ(scan_err("\nPYX_EXPORT void f(int a = g(1);\nint x;\n"),
           "m.cxxpyx:2:18: unbalanced '(' in the declaration of 'f'");
  CHECK(starts_with(scan_err("PYX_EXPORT void f(std::vector<int> a = {1, 2);"), "m.cxxpyx:1:18: unbalanced '('"));
  CHECK(starts_with(scan_err("PYX_EXPORT void f(int a) ];"), "m.cxxpyx:1:26: unbalanced ']'"));
  CHECK(starts_with(scan_err("template <pyx::fused<int T>\nPYX_EXPORT void f(T a);"),
                    "m.cxxpyx:1:10: unbalanced '<' in template header"));
}

TEST(scan_error_template_parameter_that_is_not_fused) {
  const std::string tail = "that is not pyx::fused<...>; cxximport can only instantiate fused type lists";
  CHECK_EQ(scan_err("template <class T>\nPYX_EXPORT T f(T x);"),
           "m.cxxpyx:1:11: exported template 'f' has template parameter 'T' " + tail);
  CHECK_EQ(scan_err("template <pyx::fused<int> T, int N>\nPYX_EXPORT T f(T x);"),
           "m.cxxpyx:1:30: exported template 'f' has template parameter 'N' " + tail);
  CHECK_EQ(scan_err("PYX_EXPORT template <typename... Ts> void f(int x);"),
           "m.cxxpyx:1:22: exported template 'f' has template parameter 'Ts' " + tail);
  CHECK_EQ(scan_err("template <class T> concept c = std::integral<T>;\ntemplate <c T> PYX_EXPORT T f(T x);"),
           "m.cxxpyx:2:11: exported template 'f' has template parameter 'T' " + tail);
  CHECK_EQ(scan_err("template <unknown_concept T> PYX_EXPORT T f(T x);"),
           "m.cxxpyx:1:11: exported template 'f' has template parameter 'T' " + tail);
}

TEST(scan_error_empty_fused_list) {
  CHECK_EQ(scan_err("template <pyx::fused<> T> PYX_EXPORT T f(T x);"),
           "m.cxxpyx:1:11: empty fused type list for 'T' in 'f'");
  CHECK_EQ(scan_err("\ntemplate <class T> concept none = pyx::fused<T>;"),
           "m.cxxpyx:2:28: empty fused type list in concept 'none'");
}

TEST(scan_error_mark_in_the_middle_of_code) {
  CHECK_EQ(scan_err("int x = PYX_EXPORT 3;"),
           "m.cxxpyx:1:9: PYX_EXPORT must begin a declaration (before 'template' or the return type)");
  CHECK(starts_with(scan_err("int PYX_EXPORT f();"), "m.cxxpyx:1:5: PYX_EXPORT must begin a declaration"));
  CHECK(starts_with(scan_err("PYX_EXPORT int PYX_NOGIL f();"),
                    "m.cxxpyx:1:16: PYX_NOGIL must come before the return type"));
}

TEST(scan_error_nogil_without_export) {
  CHECK_EQ(scan_err("\nPYX_NOGIL int f();"), "m.cxxpyx:2:1: PYX_NOGIL without PYX_EXPORT");
}

TEST(scan_error_qualified_export_name) {
  CHECK(starts_with(scan_err("PYX_EXPORT int ns::f();"), "m.cxxpyx:1:20: exported function 'f' has a qualified name"));
}

TEST(scan_error_missing_return_type) {
  CHECK_EQ(scan_err("PYX_EXPORT f(int x);"), "m.cxxpyx:1:12: missing return type for 'f'");
}

TEST(scan_error_from_lexer_and_directives_carry_positions) {
  CHECK_EQ(scan_err("int a;\n/* never closed"), "m.cxxpyx:2:1: unterminated /* comment");
  CHECK(starts_with(scan_err("// cxximport: nope\n"), "m.cxxpyx:1:15: unknown cxximport directive 'nope'"));
  CHECK(starts_with(scan_err("int a;\n// cxximport: openmp\n"),
                    "m.cxxpyx:2:1: directives must be in the comment block at the top of the file"));
}

TEST(scan_error_unmatched_closing_brace) { CHECK_EQ(scan_err("int a;\n}\n"), "m.cxxpyx:2:1: unmatched '}'"); }
