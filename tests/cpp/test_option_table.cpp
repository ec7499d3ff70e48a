// The option table (core/option_table) against the C++ that consumes it: the
// defaults of a request, the flags a default module gets, and the directive
// keys the scanner accepts. The Python side is checked against the same
// table by tests/test_options_table.py.
#include <algorithm>
#include <string>

#include "check.hpp"
#include "core/option_table.hpp"
#include "core/request.hpp"
#include "scan/directives.hpp"
#include "toolchain/toolchain.hpp"

using namespace cxximport;

namespace {

std::string default_of(const char* name) {
  const core::OptionSpec* o = core::find_option(name);
  CHECK(o != nullptr);
  return o ? std::string(o->default_value) : std::string();
}

bool has(const std::vector<std::string>& v, const std::string& s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

}  // namespace

TEST(option_table_defaults_are_the_requests) {
  core::BuildRequest r;
  CHECK_EQ(default_of("build_type"), r.build_type);
  CHECK_EQ(default_of("max_size"), r.max_size);
  CHECK_EQ(std::stod(default_of("lock_timeout")), r.lock_timeout);
  CHECK_EQ(default_of("no_build"), std::string(r.no_build ? "true" : "false"));
  CHECK_EQ(default_of("force"), std::string(r.force ? "true" : "false"));
  CHECK_EQ(default_of("verbose"), std::string(r.verbose ? "true" : "false"));
  CHECK_EQ(default_of("openmp"), std::string(r.options.openmp ? "true" : "false"));
  CHECK_EQ(default_of("boundscheck"), std::string(r.options.boundscheck ? "true" : "false"));
  CHECK_EQ(default_of("vecmath"), std::string(r.options.no_vecmath ? "false" : "true"));
  CHECK(r.options.arch.empty());  // empty is "auto"
  CHECK_EQ(default_of("arch"), std::string("auto"));
}

TEST(option_table_defaults_are_the_flags_of_a_default_module) {
  build::FlagInput in;
  in.source_dir = "/src";
  build::Flags f = build::module_flags(in);
  CHECK(has(f.cxxflags, "-std=" + default_of("std")));
  CHECK_EQ(default_of("build_type"), in.build_type);
  CHECK(has(f.cxxflags, "-O3"));  // optimize's default: the release build type's
}

TEST(option_table_directives_are_the_scanners_keys) {
  for (const auto& o : core::option_table()) {
    scan::Lexed l;
    std::string err;
    std::string value = o.kind == "bool" ? "true" : o.name == "std" ? "c++20" : o.name == "optimize" ? "2" : "x";
    std::string src = "// cxximport: " + std::string(o.name) + " = " + value + "\nint f();\n";
    CHECK(scan::lex(src, "d.cxxpyx", &l, &err));
    scan::Directives d;
    bool accepted = scan::parse_directives(l, "d.cxxpyx", &d, &err);
    if (accepted != bool(o.places & core::kDirective)) {
      CHECK_EQ(std::string(o.name) + (accepted ? " accepted" : " refused: " + err),
               std::string(o.name) + ((o.places & core::kDirective) ? " accepted" : " refused"));
    }
  }
}

TEST(option_table_names_are_unique_and_kinds_known) {
  const std::string kinds = " bool int float str path flags paths words callable size ";
  auto table = core::option_table();
  for (std::size_t i = 0; i < table.size(); ++i) {
    CHECK(kinds.find(" " + std::string(table[i].kind) + " ") != std::string::npos);
    CHECK(!table[i].doc.empty());
    for (std::size_t j = 0; j < i; ++j) CHECK(table[i].name != table[j].name);
  }
}
