// The OpenMP rewrite (issue 9, point 8): what it wraps, what it leaves alone,
// and that every line of the user's source keeps its number.
#include <algorithm>
#include <string>

#include "check.hpp"
#include "codegen/omp_rewrite.hpp"

namespace {

using cxximport::codegen::rewrite_openmp;

int lines(const std::string& s) { return static_cast<int>(std::count(s.begin(), s.end(), '\n')); }

std::string line_of(const std::string& s, int n) {
  std::size_t b = 0;
  for (int k = 1; k < n; ++k) b = s.find('\n', b) + 1;
  return s.substr(b, s.find('\n', b) - b);
}

bool has(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

}  // namespace

TEST(omp_rewrite_wraps_the_loop_body_and_rethrows_after_the_region) {
  std::string src =
      "void f(int n) {\n"
      "  #pragma omp parallel for reduction(+:s) \\\n"
      "      schedule(static)\n"
      "  for (int i = 0; i < n; ++i) g(i);\n"
      "  h();\n"
      "}\n";
  std::string out = rewrite_openmp(src);
  CHECK_EQ(lines(out), lines(src));
  CHECK(has(line_of(out, 2), "{ auto pyx_omp_record = ::pyx::detail::omp_record(); _Pragma(\"omp parallel for"));
  CHECK(has(line_of(out, 2), "schedule(static) firstprivate(pyx_omp_record)\")"));
  CHECK_EQ(line_of(out, 3), std::string(""));
  CHECK(has(line_of(out, 4), "for (int i = 0; i < n; ++i) try { g(i); } catch (...) { ::pyx::detail::omp_caught("));
  CHECK(has(line_of(out, 4), "::pyx::detail::omp_rethrow(pyx_omp_record); }"));
  CHECK_EQ(line_of(out, 5), std::string("  h();"));
}

TEST(omp_rewrite_wraps_the_innermost_collapsed_loop) {
  std::string src =
      "void f(int n) {\n"
      "  #pragma omp parallel for collapse(2)\n"
      "  for (int i = 0; i < n; ++i)\n"
      "    for (int j = 0; j < n; ++j) { g(i, j); }\n"
      "}\n";
  std::string out = rewrite_openmp(src);
  CHECK_EQ(lines(out), lines(src));
  CHECK_EQ(line_of(out, 3), line_of(src, 3));
  CHECK(has(line_of(out, 4), "for (int j = 0; j < n; ++j) try { { g(i, j); } } catch (...)"));
}

TEST(omp_rewrite_keeps_if_else_and_leaves_simd_and_macros_alone) {
  std::string src =
      "void f(bool c, int n) {\n"
      "  if (c)\n"
      "    #pragma omp parallel for\n"
      "    for (int i = 0; i < n; ++i) g(i);\n"
      "  else\n"
      "    g(0);\n"
      "  #pragma omp simd\n"
      "  for (int i = 0; i < n; ++i) g(i);\n"
      "  #define PAR _Pragma(\"omp parallel for\")\n"
      "}\n";
  std::string out = rewrite_openmp(src);
  CHECK_EQ(lines(out), lines(src));
  CHECK(has(line_of(out, 4), "omp_rethrow(pyx_omp_record); }"));
  CHECK_EQ(line_of(out, 5), std::string("  else"));
  for (int k = 6; k <= 9; ++k) CHECK_EQ(line_of(out, k), line_of(src, k));
}

TEST(omp_rewrite_nests_inner_constructs_without_a_second_record) {
  std::string src =
      "void f(int n) {\n"
      "  #pragma omp parallel\n"
      "  {\n"
      "    #pragma omp for\n"
      "    for (int i = 0; i < n; ++i) g(i);\n"
      "    #pragma omp single\n"
      "    {\n"
      "      #pragma omp task\n"
      "      g(0);\n"
      "    }\n"
      "  }\n"
      "}\n";
  std::string out = rewrite_openmp(src);
  CHECK_EQ(lines(out), lines(src));
  CHECK(has(line_of(out, 2), "omp_record(); _Pragma(\"omp parallel firstprivate(pyx_omp_record)\")"));
  CHECK(has(line_of(out, 3), "omp_region_scope pyx_omp_scope(pyx_omp_record); try {"));
  CHECK_EQ(line_of(out, 4), std::string("    _Pragma(\"omp for\")"));
  CHECK_EQ(line_of(out, 8), std::string("      _Pragma(\"omp task firstprivate(pyx_omp_record)\")"));
  // The block holds worksharing constructs: a throw outside them cannot be
  // deferred without a deadlock, so it is reported and terminates.
  CHECK(has(line_of(out, 11), "omp_caught_in_synchronised_block(__FILE__, 2)"));
  CHECK_EQ(std::count(out.begin(), out.end(), '@'), 0);
  std::size_t records = 0;
  for (std::size_t p = out.find("auto pyx_omp_record"); p != std::string::npos;
       p = out.find("auto pyx_omp_record", p + 1))
    ++records;
  CHECK_EQ(records, std::size_t{1});
}

TEST(omp_rewrite_leaves_a_body_split_by_preprocessor_conditionals) {
  std::string src =
      "void f(int n) {\n"
      "  #pragma omp parallel for\n"
      "  for (int i = 0; i < n; ++i) {\n"
      "#if A\n"
      "    g(i);\n"
      "#endif\n"
      "  }\n"
      "  #pragma omp parallel for collapse(N)\n"
      "  for (int i = 0; i < n; ++i) for (int j = 0; j < n; ++j) g(j);\n"
      "  #pragma omp barrier\n"
      "}\n";
  CHECK_EQ(rewrite_openmp(src), src);
}
