#include "toolchain/depfile.hpp"
#include "check.hpp"

using cxximport::build::parse_depfile;

TEST(depfile_lists_prerequisites_across_continuations) {
  std::vector<std::string> deps;
  std::string err;
  CHECK(parse_depfile("module.o: module.cpp /a/b.h \\\n /c/d.h\n", &deps, &err));
  CHECK_EQ(deps.size(), std::size_t{3});
  CHECK_EQ(deps[2], std::string("/c/d.h"));
}

TEST(depfile_unescapes_spaces_and_dollars) {
  std::vector<std::string> deps;
  std::string err;
  CHECK(parse_depfile("x.o: /my\\ dir/h.h /p$$q.h\n", &deps, &err));
  CHECK_EQ(deps.size(), std::size_t{2});
  CHECK_EQ(deps[0], std::string("/my dir/h.h"));
  CHECK_EQ(deps[1], std::string("/p$q.h"));
}

TEST(depfile_with_several_rules_and_phony_targets) {
  std::vector<std::string> deps;
  std::string err;
  CHECK(parse_depfile("a.o: a.cpp b.h\nb.h:\n", &deps, &err));
  CHECK_EQ(deps.size(), std::size_t{2});
}

TEST(depfile_without_a_rule_is_an_error) {
  std::vector<std::string> deps;
  std::string err;
  CHECK(!parse_depfile("garbage", &deps, &err));
}
