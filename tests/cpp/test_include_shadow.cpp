#include <cstdlib>
#include <fstream>
#include <sys/stat.h>
#include <unistd.h>

#include "check.hpp"
#include "core/include_shadow.hpp"

using namespace cxximport::core;

TEST(include_dirs_follow_gcc_search_order) {
  auto dirs = include_search_dirs({"-O3", "-I/b", "-iquote", "/a", "-isystem", "/c", "-I", "/d/", "-Irel"});
  CHECK_EQ(dirs.size(), std::size_t{4});
  CHECK_EQ(dirs[0], std::string("/a"));
  CHECK_EQ(dirs[1], std::string("/b"));
  CHECK_EQ(dirs[2], std::string("/d"));
  CHECK_EQ(dirs[3], std::string("/c"));
}

TEST(a_header_from_a_later_dir_records_the_missing_earlier_candidates) {
  char tmpl[] = "/tmp/cxxshadow.XXXXXX";
  std::string root = mkdtemp(tmpl);
  std::string src = root + "/src", inc = root + "/inc", other = root + "/other";
  mkdir(src.c_str(), 0700);
  mkdir(inc.c_str(), 0700);
  mkdir(other.c_str(), 0700);
  std::ofstream(inc + "/util.h") << "int x;";
  std::ofstream(other + "/util.h") << "int y;";  // exists: not a candidate (it was not chosen for another reason)
  auto c = shadow_candidates({src, other, inc}, {inc + "/util.h"});
  CHECK_EQ(c.size(), std::size_t{1});
  CHECK_EQ(c[0], src + "/util.h");
  // A header in the first directory has no earlier candidates.
  CHECK(shadow_candidates({src, inc}, {src + "/a.h"}).empty());
  std::system(("rm -rf " + root).c_str());
}
