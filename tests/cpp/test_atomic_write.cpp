// The one atomic writer (util/file.hpp) that every memo file, manifest and
// builder file goes through: a reader sees the old or the new content,
// whenever the writer dies, and no temporary file is left behind for long.
#include <csignal>
#include <dirent.h>
#include <sys/wait.h>

#include "cache_test_util.hpp"
#include "check.hpp"
#include "util/file.hpp"

using namespace cachetest;

TEST(atomic_write_replaces_content_and_sets_mode) {
  TempDir tmp;
  std::string path = tmp / "memo", err;
  CHECK(cxximport::write_file_atomic(path, "one", 0600, &err));
  CHECK(cxximport::write_file_atomic(path, "two", 0600, &err));
  CHECK_EQ(read_file(path), "two");
  struct stat st;
  CHECK(::stat(path.c_str(), &st) == 0);
  CHECK_EQ(st.st_mode & 0777, 0600u);
}

TEST(atomic_write_fails_cleanly_in_a_missing_directory) {
  TempDir tmp;
  std::string err;
  CHECK(!cxximport::write_file_atomic(tmp / "no/such/memo", "x", 0600, &err));
  CHECK(err.find("no/such") != std::string::npos);
}

// A writer killed at random points: the file holds one of the two complete
// contents, never a prefix or a mixture.
TEST(atomic_write_killed_at_random_points_never_leaves_a_partial_file) {
  TempDir tmp;
  const std::string path = tmp / "memo";
  const std::string a(1 << 20, 'a'), b(1 << 20, 'b');
  std::string err;
  CHECK(cxximport::write_file_atomic(path, a, 0600, &err));
  unsigned seed = 12345;
  for (int round = 0; round < 20; ++round) {
    pid_t pid = ::fork();
    if (pid == 0) {
      std::string e;
      for (;;) {
        cxximport::write_file_atomic(path, b, 0600, &e, false);
        cxximport::write_file_atomic(path, a, 0600, &e, false);
      }
    }
    seed = seed * 1103515245 + 12345;
    ::usleep((seed >> 8) % 20000);
    ::kill(pid, SIGKILL);
    ::waitpid(pid, nullptr, 0);
    std::string now = read_file(path);
    CHECK(now == a || now == b);
  }
}
