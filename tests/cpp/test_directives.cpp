// Directive block tests. Names start with "scan_directives_" so
// `cxximport_unittests scan` runs them.
#include <string>
#include <vector>

#include "check.hpp"
#include "scan/directives.hpp"

using namespace cxximport::scan;

namespace {

Directives parse_ok(const std::string& src) {
  Lexed l;
  std::string err;
  CHECK(lex(src, "d.cxxpyx", &l, &err));
  Directives d;
  CHECK(parse_directives(l, "d.cxxpyx", &d, &err));
  CHECK_EQ(err, std::string());
  return d;
}

std::string parse_err(const std::string& src) {
  Lexed l;
  std::string err;
  CHECK(lex(src, "d.cxxpyx", &l, &err));
  Directives d;
  CHECK(!parse_directives(l, "d.cxxpyx", &d, &err));
  return err;
}

bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

using V = std::vector<std::string>;

}  // namespace

TEST(scan_directives_defaults_when_absent) {
  Directives d = parse_ok("// just a comment\n#include <x>\nint f();\n");
  CHECK(!d.openmp);
  CHECK(!d.boundscheck);
  CHECK_EQ(d.std, "");
  CHECK_EQ(d.optimize, "");
  CHECK(d.cxxflags.empty());
}

TEST(scan_directives_bare_boolean_keys_are_true) {
  Directives d = parse_ok("// cxximport: openmp\n//cxximport:boundscheck\nint x;");
  CHECK(d.openmp);
  CHECK(d.boundscheck);
}

TEST(scan_directives_boolean_values) {
  CHECK(parse_ok("// cxximport: openmp = yes\n").openmp);
  CHECK(parse_ok("// cxximport: openmp = 1\n").openmp);
  CHECK(parse_ok("// cxximport: openmp = true\n").openmp);
  CHECK(!parse_ok("// cxximport: openmp = no\n").openmp);
  CHECK(!parse_ok("// cxximport: boundscheck = false\n").boundscheck);
  CHECK(!parse_ok("// cxximport: boundscheck\n// cxximport: boundscheck = 0\n").boundscheck);
  std::string err = parse_err("// cxximport: openmp = maybe\n");
  CHECK(contains(err, "d.cxxpyx:1:15: 'openmp' expects true/false"));
}

TEST(scan_directives_std_is_validated) {
  CHECK_EQ(parse_ok("// cxximport: std = c++20\n").std, "c++20");
  CHECK_EQ(parse_ok("// cxximport: std = gnu++23\n").std, "gnu++23");
  CHECK_EQ(parse_ok("// cxximport: std=c++2b\n").std, "c++2b");
  CHECK(contains(parse_err("// cxximport: std = c++\n"), "'std' expects c++NN"));
  CHECK(contains(parse_err("// cxximport: std = -O3\n"), "'std' expects c++NN"));
  CHECK(contains(parse_err("// cxximport: std = clang++20\n"), "'std' expects c++NN"));
  CHECK(contains(parse_err("// cxximport: std\n"), "missing value for 'std'"));
}

TEST(scan_directives_optimize_levels) {
  for (const char* level : {"0", "1", "2", "3", "s", "fast"})
    CHECK_EQ(parse_ok(std::string("// cxximport: optimize = ") + level + "\n").optimize, level);
  CHECK(contains(parse_err("// cxximport: optimize = 4\n"), "'optimize' expects 0, 1, 2, 3, s or fast"));
}

TEST(scan_directives_list_values_split_like_a_shell) {
  Directives d = parse_ok(
      "// cxximport: cxxflags = -O3 -DNAME=\"a b\" '-DQ=\"x\"'\n"
      "// cxximport: libraries = m  fftw3\n"
      "// cxximport: include_dirs = inc \"dir with space\"\n"
      "// cxximport: library_dirs = /opt/lib\n"
      "// cxximport: ldflags = -Wl,-rpath,/opt/lib\n"
      "// cxximport: sources = helper.cpp other.cpp\n"
      "// cxximport: depends = helper.hpp\n");
  CHECK(d.cxxflags == (V{"-O3", "-DNAME=a b", "-DQ=\"x\""}));
  CHECK(d.libraries == (V{"m", "fftw3"}));
  CHECK(d.include_dirs == (V{"inc", "dir with space"}));
  CHECK(d.library_dirs == (V{"/opt/lib"}));
  CHECK(d.ldflags == (V{"-Wl,-rpath,/opt/lib"}));
  CHECK(d.sources == (V{"helper.cpp", "other.cpp"}));
  CHECK(d.depends == (V{"helper.hpp"}));
}

TEST(scan_directives_repeated_list_keys_append) {
  Directives d = parse_ok("// cxximport: libraries = m\n// cxximport: libraries = z pthread\n");
  CHECK(d.libraries == (V{"m", "z", "pthread"}));
}

TEST(scan_directives_block_may_mix_blank_lines_and_comments) {
  Directives d = parse_ok(
      "// My module.\n\n/* licence\n   text */\n// cxximport: openmp\n\n// cxximport: optimize = 2\n"
      "#include <vector>\n");
  CHECK(d.openmp);
  CHECK_EQ(d.optimize, "2");
}

TEST(scan_directives_unknown_key_names_line_and_known_keys) {
  std::string err = parse_err("// hello\n// cxximport: opnemp\n");
  CHECK(contains(err, "d.cxxpyx:2:15: unknown cxximport directive 'opnemp'"));
  CHECK(contains(err,
                 "openmp, boundscheck, vecmath, arch, std, optimize, cxxflags, ldflags, libraries, "
                 "include_dirs, library_dirs, sources, depends"));
}

TEST(scan_directives_missing_list_value_is_an_error) {
  CHECK(contains(parse_err("// cxximport: cxxflags\n"), "d.cxxpyx:1:15: missing value for 'cxxflags'"));
  CHECK(contains(parse_err("// cxximport: sources =   \n"), "missing value for 'sources'"));
  CHECK(contains(parse_err("// cxximport: libraries = \"m\n"), "unclosed quote"));
  CHECK(contains(parse_err("// cxximport:\n"), "empty cxximport directive"));
}

TEST(scan_directives_after_top_block_are_an_error) {
  std::string err = parse_err("// cxximport: openmp\n#include <x>\n\n  // cxximport: boundscheck\n");
  CHECK_EQ(err,
           "d.cxxpyx:4:3: directives must be in the comment block at the top of the file "
           "(before any code or #include)");
  CHECK(contains(parse_err("int x; // cxximport: openmp\n"), "d.cxxpyx:1:8: directives must be"));
}

TEST(scan_directives_inside_strings_and_block_comments_are_not_directives) {
  Directives d = parse_ok("int x;\nconst char* s = \"// cxximport: openmp\";\n/* cxximport: openmp */\n");
  CHECK(!d.openmp);
  Directives doc = parse_ok("/// cxximport: openmp\n");
  CHECK(!doc.openmp);
}

TEST(scan_directives_split_words_handles_quotes_and_escapes) {
  V w;
  CHECK(split_words(R"(a "b c" 'd "e"' f\ g "" h)", &w));
  CHECK(w == (V{"a", "b c", "d \"e\"", "f g", "", "h"}));
  V bad;
  CHECK(!split_words("'open", &bad));
}

TEST(scan_directives_arch_takes_one_march_value) {
  CHECK_EQ(parse_ok("// cxximport: arch = native\n").arch, "native");
  CHECK_EQ(parse_ok("// cxximport: arch = x86-64-v2\n").arch, "x86-64-v2");
  CHECK_EQ(parse_ok("// cxximport: arch = armv8.2-a+sve\n").arch, "armv8.2-a+sve");
  CHECK_EQ(parse_ok("int x;").arch, "");
  CHECK(contains(parse_err("// cxximport: arch\n"), "d.cxxpyx:1:15: missing value for 'arch' (auto, native"));
  // One value, never a second flag smuggled in.
  CHECK(contains(parse_err("// cxximport: arch = native -fno-math\n"),
                 "d.cxxpyx:1:15: 'arch' expects auto, native, portable, or an -march value such as x86-64-v2, "
                 "got 'native -fno-math'"));
  CHECK(contains(parse_err("// cxximport: arch = -mavx2\n"), "got '-mavx2'"));
  CHECK(contains(parse_err("// cxximport: native\n"), "unknown cxximport directive 'native'"));
}

TEST(scan_directives_vecmath_is_on_unless_turned_off) {
  CHECK(!parse_ok("// cxximport: openmp\n").no_vecmath);
  CHECK(!parse_ok("// cxximport: vecmath\n").no_vecmath);
  CHECK(parse_ok("// cxximport: vecmath = false\n").no_vecmath);
  CHECK(contains(parse_err("// cxximport: vecmath = perhaps\n"), "'vecmath' expects true/false"));
}
