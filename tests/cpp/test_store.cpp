#include "cache/store.hpp"

#include <csignal>
#include <sys/wait.h>

#include "cache/stats.hpp"
#include "cache_test_util.hpp"
#include "check.hpp"

using namespace cxximport::cache;
using namespace cachetest;

namespace {

mode_t mode_of(const std::string& path) {
  struct stat st;
  ::lstat(path.c_str(), &st);
  return st.st_mode & 07777;
}

// An open store with one published entry for key_n(1) whose header is h.hpp.
struct Fixture {
  TempDir tmp;
  Store store{tmp / "cache"};
  std::string header = tmp / "h.hpp";
  Manifest manifest;
  Hit hit;
  bool ok = false;
  Fixture() {
    std::string err;
    write_file(header, "#define X 1\n");
    manifest = make_manifest(key_n(1), "compute", {header});
    ok = store.open(&err) && build_and_publish(store, manifest, &hit);
  }
  bool hits() {
    Hit h;
    Miss why;
    return store.lookup(manifest.key, &h, &why);
  }
  Miss miss() {
    Hit h;
    Miss why;
    store.lookup(manifest.key, &h, &why);
    return why;
  }
  std::string why_not() { return describe(miss()); }
};

}  // namespace

TEST(store_open_creates_private_layout) {
  TempDir tmp;
  Store store(tmp / "a/b/cache");
  std::string err;
  CHECK(store.open(&err));
  CHECK_EQ(mode_of(tmp / "a"), 0700u);
  CHECK_EQ(mode_of(tmp / "a/b/cache"), 0700u);
  for (const char* sub : {"v1", "v1/entries", "v1/tmp", "v1/locks", "v1/failed"})
    CHECK_EQ(mode_of(tmp / (std::string("a/b/cache/") + sub)), 0700u);
  CHECK(store.open(&err));  // idempotent
}

TEST(store_open_refuses_group_writable_root) {
  TempDir tmp;
  ::mkdir((tmp / "cache").c_str(), 0700);
  ::chmod((tmp / "cache").c_str(), 0770);
  Store store(tmp / "cache");
  std::string err;
  CHECK(!store.open(&err));
  CHECK(err.find("writable by group or others") != std::string::npos);
}

TEST(store_open_refuses_symlinked_root_and_layout) {
  TempDir tmp;
  ::mkdir((tmp / "real").c_str(), 0700);
  ::symlink((tmp / "real").c_str(), (tmp / "link").c_str());
  Store store(tmp / "link");
  std::string err;
  CHECK(!store.open(&err));
  CHECK(err.find("symlink") != std::string::npos);

  Store real(tmp / "real");
  CHECK(real.open(&err));
  ::rmdir((tmp / "real/v1/tmp").c_str());
  ::symlink("/tmp", (tmp / "real/v1/tmp").c_str());
  CHECK(!real.open(&err));
  CHECK(err.find("symlink") != std::string::npos);
}

TEST(store_publish_then_lookup_hits) {
  Fixture f;
  CHECK(f.ok);
  Hit h;
  Miss why;
  CHECK(f.store.lookup(f.manifest.key, &h, &why));
  CHECK_EQ(h.entry_dir, f.hit.entry_dir);
  CHECK_EQ(h.so_path, h.entry_dir + "/" + f.manifest.so_name);
  CHECK_EQ(read_file(h.so_path), "ELF...so");
  CHECK_EQ(h.manifest.so_size, 8u);
  CHECK_EQ(h.manifest.module, "compute");
  CHECK(h.manifest.created > 0);
  CHECK_EQ(h.entry_dir, f.store.entries_dir() + "/" + f.manifest.key + "/" + Store::variant_name(f.manifest));
  CHECK_EQ(mode_of(h.entry_dir), 0700u);
  CHECK_EQ(mode_of(h.entry_dir + "/manifest"), 0600u);
  CHECK_EQ(mode_of(h.so_path), 0700u);
  CHECK_EQ(mode_of(h.entry_dir + "/build.log"), 0600u);
  CHECK(exists(h.entry_dir + "/builder"));  // who built it
}

TEST(store_lookup_misses_unknown_key) {
  Fixture f;
  Hit h;
  Miss why;
  CHECK(!f.store.lookup(key_n(2), &h, &why));
  CHECK(why.kind == MissKind::kAbsent);
  CHECK_EQ(describe(why), "not cached");
  CHECK(!f.store.lookup("../../etc", &h, &why));
  CHECK(why.kind == MissKind::kInvalidKey);
}

TEST(store_lookup_misses_when_header_changes) {
  Fixture f;
  CHECK(f.hits());
  write_file(f.header, "#define X 2\n");
  CHECK(!f.hits());
  CHECK(f.miss().kind == MissKind::kStaleHeader);
  CHECK_EQ(f.miss().path, f.header);
  CHECK(f.why_not().find("changed") != std::string::npos);
  write_file(f.header, "#define X 1\n");
  CHECK(f.hits());
}

TEST(store_lookup_misses_when_header_is_gone) {
  Fixture f;
  ::unlink(f.header.c_str());
  CHECK(!f.hits());
  CHECK(f.miss().kind == MissKind::kHeaderGone);
  CHECK_EQ(f.miss().path, f.header);
  CHECK(f.why_not().find("gone") != std::string::npos);
}

TEST(store_lookup_misses_when_a_recorded_absent_header_appears) {
  TempDir tmp;
  Store store{tmp / "cache"};
  std::string err;
  CHECK(store.open(&err));
  std::string header = tmp / "h.hpp";
  write_file(header, "#define X 1\n");
  Manifest m = make_manifest(key_n(2), "compute", {header});
  m.absent = {tmp / "shadow.hpp"};
  Hit hit;
  CHECK(build_and_publish(store, m, &hit));
  Hit h;
  Miss why;
  CHECK(store.lookup(m.key, &h, &why));
  CHECK_EQ(h.manifest.absent.size(), std::size_t{1});
  write_file(tmp / "shadow.hpp", "#define X 2\n");
  CHECK(!store.lookup(m.key, &h, &why));
  CHECK(why.kind == MissKind::kShadowedInclude);
  CHECK_EQ(why.path, tmp / "shadow.hpp");
  CHECK(describe(why).find("shadows") != std::string::npos);
}

TEST(store_two_header_sets_of_one_key_coexist) {
  Fixture f;
  write_file(f.header, "#define X 2\n");
  Manifest m2 = make_manifest(f.manifest.key, "compute", {f.header});
  Hit h2;
  CHECK(build_and_publish(f.store, m2, &h2, "second"));
  CHECK(h2.entry_dir != f.hit.entry_dir);
  Hit h;
  Miss why;
  CHECK(f.store.lookup(f.manifest.key, &h, &why));
  CHECK_EQ(read_file(h.so_path), "second");
  write_file(f.header, "#define X 1\n");
  CHECK(f.store.lookup(f.manifest.key, &h, &why));
  CHECK_EQ(read_file(h.so_path), "ELF...so");
}

TEST(store_lookup_misses_truncated_so) {
  Fixture f;
  ::truncate(f.hit.so_path.c_str(), 3);
  CHECK(!f.hits());
  CHECK(f.miss().kind == MissKind::kCorrupt);
  CHECK(f.why_not().find("size") != std::string::npos);
}

TEST(store_lookup_misses_corrupted_so_of_same_size) {
  Fixture f;
  ::chmod(f.hit.so_path.c_str(), 0600);
  write_file(f.hit.so_path, "ELF...SO");
  CHECK(!f.hits());
  CHECK(f.why_not().find("corrupt") != std::string::npos);
}

TEST(store_lookup_misses_missing_so) {
  Fixture f;
  ::unlink(f.hit.so_path.c_str());
  CHECK(!f.hits());
}

TEST(store_lookup_misses_corrupted_manifest) {
  Fixture f;
  std::string mpath = f.hit.entry_dir + "/manifest";
  std::string text = read_file(mpath);
  write_file(mpath, text.substr(0, text.size() / 2));
  CHECK(!f.hits());
  CHECK(f.miss().kind == MissKind::kCorrupt);
  CHECK_EQ(f.miss().path, mpath);
  write_file(mpath, std::string(100, '\0'));
  CHECK(!f.hits());
  ::unlink(mpath.c_str());
  CHECK(!f.hits());
}

TEST(store_lookup_misses_unknown_format_version) {
  Fixture f;
  std::string mpath = f.hit.entry_dir + "/manifest";
  std::string text = read_file(mpath);
  text.replace(0, std::string("cxximport-manifest 2").size(), "cxximport-manifest 9");
  write_file(mpath, text);
  CHECK(!f.hits());
  CHECK(f.why_not().find("unknown format version 9") != std::string::npos);
}

TEST(store_refuses_group_writable_entry) {
  Fixture f;
  ::chmod(f.hit.entry_dir.c_str(), 0770);
  CHECK(!f.hits());
  CHECK(f.miss().kind == MissKind::kUnsafe);
  CHECK(refused(f.miss()));
  CHECK(f.why_not().find("refused") != std::string::npos);
  ::chmod(f.hit.entry_dir.c_str(), 0700);
  ::chmod(f.hit.so_path.c_str(), 0722);
  CHECK(!f.hits());
  CHECK(f.why_not().find("writable by group or others") != std::string::npos);
}

TEST(store_refuses_symlinked_entry) {
  Fixture f;
  // Move the real entry away and leave a symlink to it in its place.
  std::string elsewhere = f.tmp / "elsewhere";
  ::rename(f.hit.entry_dir.c_str(), elsewhere.c_str());
  ::symlink(elsewhere.c_str(), f.hit.entry_dir.c_str());
  CHECK(!f.hits());
  CHECK(f.miss().kind == MissKind::kUnsafe);
  CHECK(f.why_not().find("symlink") != std::string::npos);
}

TEST(store_refuses_symlinked_so_inside_entry) {
  Fixture f;
  std::string elsewhere = f.tmp / "other.so";
  ::rename(f.hit.so_path.c_str(), elsewhere.c_str());
  ::symlink(elsewhere.c_str(), f.hit.so_path.c_str());
  CHECK(!f.hits());
  CHECK(f.why_not().find("symlink") != std::string::npos);
}

TEST(store_republish_replaces_corrupt_entry) {
  Fixture f;
  ::truncate(f.hit.so_path.c_str(), 1);
  CHECK(!f.hits());
  Hit h;
  CHECK(build_and_publish(f.store, f.manifest, &h));
  CHECK_EQ(h.entry_dir, f.hit.entry_dir);
  CHECK(f.hits());
}

TEST(store_publish_keeps_first_valid_entry) {
  Fixture f;
  Hit h;
  CHECK(build_and_publish(f.store, f.manifest, &h, "a later build"));
  CHECK_EQ(h.entry_dir, f.hit.entry_dir);
  CHECK_EQ(read_file(h.so_path), "ELF...so");
  int leftovers = 0;  // our build directory was discarded
  if (DIR* d = ::opendir(f.store.tmp_dir().c_str())) {
    while (struct dirent* e = ::readdir(d))
      if (e->d_name[0] != '.') ++leftovers;
    ::closedir(d);
  }
  CHECK_EQ(leftovers, 0);
}

TEST(store_refuses_entry_owned_by_another_user) {
  if (::geteuid() != 0) return;  // needs root to hand a file to someone else
  Fixture f;
  CHECK(::chown(f.hit.so_path.c_str(), 12345, 12345) == 0);
  CHECK(!f.hits());
  CHECK(f.miss().kind == MissKind::kForeignOwner);
  CHECK_EQ(f.miss().path, f.hit.so_path);
  CHECK(f.why_not().find("owned by uid 12345") != std::string::npos);
  CHECK(::chown(f.hit.so_path.c_str(), 0, 0) == 0);
  CHECK(f.hits());
  CHECK(::lchown(f.hit.entry_dir.c_str(), 12345, 12345) == 0);
  CHECK(!f.hits());
}

TEST(store_open_refuses_root_owned_by_another_user) {
  if (::geteuid() != 0) return;
  TempDir tmp;
  ::mkdir((tmp / "cache").c_str(), 0700);
  CHECK(::chown((tmp / "cache").c_str(), 12345, 12345) == 0);
  Store store(tmp / "cache");
  std::string err;
  CHECK(!store.open(&err));
  CHECK(err.find("owned by uid 12345") != std::string::npos);
}

TEST(store_publish_refuses_paths_outside_tmp) {
  Fixture f;
  Hit h;
  std::string err;
  CHECK(!f.store.publish(f.tmp.path, f.manifest, &h, &err));
  CHECK(!f.store.publish(f.store.tmp_dir() + "/../entries", f.manifest, &h, &err));
}

TEST(store_publish_fails_without_so) {
  Fixture f;
  std::string dir, err;
  CHECK(f.store.make_build_dir(key_n(3), &dir, &err));
  Hit h;
  Manifest m = make_manifest(key_n(3), "other");
  CHECK(!f.store.publish(dir, m, &h, &err));
  CHECK(err.find(m.so_name) != std::string::npos);
}

TEST(store_build_dirs_are_private_and_unique) {
  Fixture f;
  std::string a, b, err;
  CHECK(f.store.make_build_dir(key_n(4), &a, &err));
  CHECK(f.store.make_build_dir(key_n(4), &b, &err));
  CHECK(a != b);
  CHECK_EQ(mode_of(a), 0700u);
  CHECK(a.rfind(f.store.tmp_dir() + "/", 0) == 0);
  CHECK(exists(a + "/builder"));
}

TEST(store_discard_keeps_failed_log) {
  Fixture f;
  std::string dir, err;
  CHECK(f.store.make_build_dir(key_n(5), &dir, &err));
  write_file(dir + "/build.log", "error: boom\n");
  f.store.discard(dir, key_n(5), true);
  CHECK(!exists(dir));
  CHECK_EQ(read_file(f.store.failed_log_path(key_n(5))), "error: boom\n");
  CHECK(f.store.failed_log_path(key_n(5)).find("/v1/failed/") != std::string::npos);

  CHECK(f.store.make_build_dir(key_n(6), &dir, &err));
  write_file(dir + "/build.log", "x");
  f.store.discard(dir, key_n(6), false);
  CHECK(!exists(dir));
  CHECK(!exists(f.store.failed_log_path(key_n(6))));
}

TEST(store_discard_does_not_follow_symlinks) {
  Fixture f;
  std::string victim = f.tmp / "victim";
  ::mkdir(victim.c_str(), 0700);
  write_file(victim + "/keep", "precious");
  std::string dir, err;
  CHECK(f.store.make_build_dir(key_n(7), &dir, &err));
  ::symlink(victim.c_str(), (dir + "/link").c_str());
  f.store.discard(dir, key_n(7), false);
  CHECK(!exists(dir));
  CHECK_EQ(read_file(victim + "/keep"), "precious");
}

TEST(store_counts_survive_many_processes) {
  Fixture f;
  const int kProcs = 8, kEach = 50;
  std::vector<pid_t> kids;
  for (int i = 0; i < kProcs; ++i) {
    pid_t pid = ::fork();
    if (pid == 0) {
      for (int j = 0; j < kEach; ++j) f.store.count("hit");
      ::_exit(0);
    }
    kids.push_back(pid);
  }
  for (pid_t pid : kids) ::waitpid(pid, nullptr, 0);
  f.store.count("miss");
  auto c = read_counters(f.store.stats_path());
  CHECK_EQ(c["hit"], static_cast<std::uint64_t>(kProcs * kEach));
  CHECK_EQ(c["miss"], 1u);
}

TEST(store_concurrent_publishers_of_one_key_share_one_entry) {
  Fixture f;
  Manifest m = make_manifest(key_n(8), "race");
  const int kProcs = 8;
  std::vector<pid_t> kids;
  for (int i = 0; i < kProcs; ++i) {
    pid_t pid = ::fork();
    if (pid == 0) {
      Hit h, again;
      Miss why;
      bool ok = build_and_publish(f.store, m, &h, "same bytes") && f.store.lookup(m.key, &again, &why) &&
                again.entry_dir == h.entry_dir && read_file(again.so_path) == "same bytes";
      ::_exit(ok ? 0 : 1);
    }
    kids.push_back(pid);
  }
  int good = 0;
  for (pid_t pid : kids) {
    int status = 0;
    ::waitpid(pid, &status, 0);
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0) ++good;
  }
  CHECK_EQ(good, kProcs);
  int variants = 0;
  if (DIR* d = ::opendir((f.store.entries_dir() + "/" + m.key).c_str())) {
    while (struct dirent* e = ::readdir(d))
      if (e->d_name[0] != '.') ++variants;
    ::closedir(d);
  }
  CHECK_EQ(variants, 1);
  // Every losing build directory was discarded.
  int leftovers = 0;
  if (DIR* d = ::opendir(f.store.tmp_dir().c_str())) {
    while (struct dirent* e = ::readdir(d))
      if (e->d_name[0] != '.') ++leftovers;
    ::closedir(d);
  }
  CHECK_EQ(leftovers, 0);
}

TEST(store_removes_build_dir_of_killed_builder) {
  Fixture f;
  int pipefd[2];
  CHECK(::pipe(pipefd) == 0);
  pid_t pid = ::fork();
  if (pid == 0) {
    std::string dir, err;
    f.store.make_build_dir(key_n(9), &dir, &err);
    write_file(dir + "/half.o", "partial");
    char c = 1;
    if (::write(pipefd[1], &c, 1) != 1) ::_exit(1);
    ::pause();
    ::_exit(0);
  }
  char c;
  CHECK(::read(pipefd[0], &c, 1) == 1);
  ::close(pipefd[0]);
  ::close(pipefd[1]);
  std::int64_t now = cxximport::cache::fs::now_seconds();
  CHECK_EQ(f.store.remove_stale_build_dirs(now), 0);  // its builder is alive
  ::kill(pid, SIGKILL);
  ::waitpid(pid, nullptr, 0);
  std::string err;
  CHECK(f.store.open(&err));  // open cleans up
  int left = 0;
  if (DIR* d = ::opendir(f.store.tmp_dir().c_str())) {
    while (struct dirent* e = ::readdir(d))
      if (e->d_name[0] != '.') ++left;
    ::closedir(d);
  }
  CHECK_EQ(left, 0);
  CHECK(f.hits());
}

TEST(store_removes_old_build_dir_without_builder_file) {
  Fixture f;
  std::string dir = f.store.tmp_dir() + "/orphan";
  ::mkdir(dir.c_str(), 0700);
  std::int64_t now = cxximport::cache::fs::now_seconds();
  CHECK_EQ(f.store.remove_stale_build_dirs(now), 0);  // young: may be starting up
  CHECK_EQ(f.store.remove_stale_build_dirs(now + 2 * 3600), 1);
  CHECK(!exists(dir));
}

TEST(store_default_root_follows_environment) {
  const char* saved_c = std::getenv("CXXIMPORT_CACHE_DIR");
  const char* saved_x = std::getenv("XDG_CACHE_HOME");
  std::string sc = saved_c ? saved_c : "", sx = saved_x ? saved_x : "";
  ::setenv("CXXIMPORT_CACHE_DIR", "/c/dir", 1);
  ::setenv("XDG_CACHE_HOME", "/x", 1);
  CHECK_EQ(Store::default_root(), "/c/dir");
  ::setenv("CXXIMPORT_CACHE_DIR", "", 1);
  CHECK_EQ(Store::default_root(), "/x/cxximport");
  ::unsetenv("XDG_CACHE_HOME");
  ::setenv("HOME", std::getenv("HOME") ? std::getenv("HOME") : "/h", 1);
  CHECK_EQ(Store::default_root(), std::string(std::getenv("HOME")) + "/.cache/cxximport");
  if (saved_c)
    ::setenv("CXXIMPORT_CACHE_DIR", sc.c_str(), 1);
  else
    ::unsetenv("CXXIMPORT_CACHE_DIR");
  if (saved_x) ::setenv("XDG_CACHE_HOME", sx.c_str(), 1);
}

TEST(store_private_fallback_is_private_and_reused) {
  TempDir tmp;
  const char* saved = std::getenv("TMPDIR");
  std::string s = saved ? saved : "";
  ::setenv("TMPDIR", tmp.path.c_str(), 1);
  Store a(""), b("");
  std::string warning, err;
  CHECK(Store::open_private_fallback("cache directory /x is not writable", &a, &warning, &err));
  CHECK(warning.find("/x is not writable") != std::string::npos);
  CHECK(warning.find(a.root()) != std::string::npos);
  CHECK(warning.find('\n') == std::string::npos);
  CHECK(a.root().rfind(tmp.path + "/cxximport-" + std::to_string(::geteuid()) + "-", 0) == 0);
  CHECK_EQ(mode_of(a.root()), 0700u);
  CHECK(Store::open_private_fallback("again", &b, &warning, &err));
  CHECK_EQ(b.root(), a.root());
  // A group-writable candidate is never reused.
  ::chmod(a.root().c_str(), 0770);
  Store c("");
  CHECK(Store::open_private_fallback("again", &c, &warning, &err));
  CHECK(c.root() != a.root());
  if (saved)
    ::setenv("TMPDIR", s.c_str(), 1);
  else
    ::unsetenv("TMPDIR");
}

TEST(store_publish_replaces_untrusted_key_directory) {
  Fixture f;
  std::string key_dir = f.store.entries_dir() + "/" + f.manifest.key;
  ::chmod(key_dir.c_str(), 0777);
  CHECK(!f.hits());
  CHECK(f.why_not().find("refused") != std::string::npos);
  Hit h;
  CHECK(build_and_publish(f.store, f.manifest, &h));
  CHECK_EQ(mode_of(key_dir), 0700u);
  CHECK(f.hits());
}

TEST(store_sixteen_processes_one_key_build_exactly_once) {
  // The orchestrator's protocol: lookup; lock; lookup again; build; publish.
  Fixture f;
  Manifest m = make_manifest(key_n(10), "crowd");
  const int kProcs = 16;
  std::vector<pid_t> kids;
  for (int i = 0; i < kProcs; ++i) {
    pid_t pid = ::fork();
    if (pid == 0) {
      Store store(f.store.root());
      std::string err;
      Miss why;
      Hit h;
      if (!store.open(&err)) ::_exit(2);
      if (!store.lookup(m.key, &h, &why)) {
        auto lock = store.lock(m.key, 30, nullptr, &err);
        if (!lock) ::_exit(3);
        if (!store.lookup(m.key, &h, &why)) {
          ::usleep(200 * 1000);  // "compiling"
          if (!build_and_publish(store, m, &h, "built once")) ::_exit(4);
          store.count("build");
        }
      }
      ::_exit(read_file(h.so_path) == "built once" ? 0 : 5);
    }
    kids.push_back(pid);
  }
  int good = 0;
  for (pid_t pid : kids) {
    int status = 0;
    ::waitpid(pid, &status, 0);
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0) ++good;
  }
  CHECK_EQ(good, kProcs);
  CHECK_EQ(read_counters(f.store.stats_path())["build"], 1u);
}

TEST(store_build_killed_at_random_points_never_leaves_a_partial_entry) {
  Fixture f;
  Manifest m = make_manifest(key_n(11), "victim");
  const std::string content(1 << 20, 'k');
  unsigned seed = 12345;
  int hits_after_kill = 0, orphans = 0;
  for (int round = 0; round < 25; ++round) {
    pid_t pid = ::fork();
    if (pid == 0) {
      // "Generate", "compile" (the so grows in steps), "link", publish.
      std::string dir, err;
      if (!f.store.make_build_dir(m.key, &dir, &err)) ::_exit(1);
      write_file(dir + "/module.cpp", "generated");
      int fd = ::open((dir + "/" + m.so_name).c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0755);
      for (size_t off = 0; off < content.size(); off += 1 << 16) {
        if (::write(fd, content.data() + off, 1 << 16) < 0) ::_exit(1);
        ::usleep(500);
      }
      ::close(fd);
      Hit h;
      f.store.publish(dir, m, &h, &err);
      ::_exit(0);
    }
    seed = seed * 1103515245 + 12345;
    ::usleep((seed >> 8) % 16000);
    ::kill(pid, SIGKILL);
    ::waitpid(pid, nullptr, 0);
    // The next "import": either a complete valid entry or a miss, and then
    // a successful build, with no manual cleanup.
    Store next(f.store.root());
    std::string err;
    Miss why;
    CHECK(next.open(&err));
    Hit h;
    if (next.lookup(m.key, &h, &why)) {
      ++hits_after_kill;
      CHECK_EQ(read_file(h.so_path).size(), content.size());
    } else {
      CHECK(build_and_publish(next, m, &h, content));
      CHECK(next.lookup(m.key, &h, &why));
    }
    CHECK(next.open(&err));
    int left = 0;
    if (DIR* d = ::opendir(next.tmp_dir().c_str())) {
      while (struct dirent* e = ::readdir(d))
        if (e->d_name[0] != '.') ++left;
      ::closedir(d);
    }
    // Only a build killed between mkdtemp and writing its builder file
    // (microseconds) leaves a directory, removed once an hour old.
    CHECK(left <= 1);
    if (left) {
      ++orphans;
      CHECK_EQ(next.remove_stale_build_dirs(cxximport::cache::fs::now_seconds() + 2 * 3600), 1);
    }
    std::string ignored;
    next.remove_entry(h.entry_dir, &ignored);
  }
  std::cerr << "  [kill test: 25 kills, " << hits_after_kill << " after publish, " << orphans
            << " between mkdtemp and builder file]\n";
  CHECK(hits_after_kill < 25);
}

TEST(store_relative_root_gives_absolute_paths) {
  TempDir tmp;
  char saved[4096];
  CHECK(::getcwd(saved, sizeof saved) != nullptr);
  CHECK(::chdir(tmp.path.c_str()) == 0);
  Store store("rel/cache");
  CHECK_EQ(store.root(), tmp.path + "/rel/cache");
  std::string err;
  CHECK(store.open(&err));
  CHECK(::chdir(saved) == 0);
  Hit h;
  CHECK(build_and_publish(store, make_manifest(key_n(12), "m"), &h));
  CHECK_EQ(h.so_path[0], '/');
}

namespace {

// Rewrites the published manifest of f with edit applied (entries are ours:
// a test may change them as a bug or an attacker could).
template <class Edit>
void rewrite_manifest(Fixture& f, Edit edit) {
  std::string mpath = f.hit.entry_dir + "/manifest", err;
  Manifest m;
  CHECK(parse_manifest(read_file(mpath), &m, &err));
  edit(&m);
  CHECK(write_file(mpath, format_manifest(m)));
}

HeaderStat stat_of(const std::string& path) {
  struct stat st;
  ::stat(path.c_str(), &st);
  return {static_cast<std::uint64_t>(st.st_size), static_cast<std::uint64_t>(st.st_ino),
          static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec,
          static_cast<std::int64_t>(st.st_ctim.tv_sec) * 1000000000 + st.st_ctim.tv_nsec};
}

}  // namespace

TEST(store_publish_records_header_stat_tuples) {
  Fixture f;
  CHECK(f.ok);
  CHECK_EQ(f.hit.manifest.headers.size(), std::size_t{1});
  CHECK(f.hit.manifest.headers[0].has_stat);
  CHECK(f.hit.manifest.headers[0].stat == stat_of(f.header));
  CHECK(f.hit.manifest.stat_taken_ns >= f.hit.manifest.headers[0].stat.ctime_ns);
  Manifest back;
  std::string err;
  CHECK(parse_manifest(read_file(f.hit.entry_dir + "/manifest"), &back, &err));
  CHECK(back.headers[0].has_stat && back.headers[0].stat == f.hit.manifest.headers[0].stat);
}

// The stat fast path is taken: a matching tuple recorded well after the
// header's last change is trusted without reading the header (here its
// recorded hash is wrong on purpose, so only a skipped hash can hit).
TEST(store_trusts_matching_stat_tuple_recorded_after_the_change) {
  Fixture f;
  HeaderStat now = stat_of(f.header);
  rewrite_manifest(f, [&](Manifest* m) {
    m->headers[0].hash = std::string(32, 'a');
    m->headers[0].has_stat = true;
    m->headers[0].stat = now;
    m->stat_taken_ns = now.ctime_ns + 2'000'000'000;
  });
  CHECK(f.hits());
}

// The race: a tuple taken in the same clock tick as the header's last
// change may describe content written after it, so it is not trusted.
TEST(store_rehashes_header_changed_in_the_tick_of_the_record) {
  Fixture f;
  HeaderStat now = stat_of(f.header);
  rewrite_manifest(f, [&](Manifest* m) {
    m->headers[0].hash = std::string(32, 'a');
    m->headers[0].has_stat = true;
    m->headers[0].stat = now;
    m->stat_taken_ns = now.ctime_ns;
  });
  CHECK(!f.hits());
  CHECK(f.miss().kind == MissKind::kStaleHeader);
}

// Same size, mtime forced back: the ctime (and so the tuple) differs, and
// the hash says the content changed.
TEST(store_detects_same_size_edit_with_mtime_restored) {
  Fixture f;
  HeaderStat before = stat_of(f.header);
  // Recorded well after the header's creation: the tuple would be trusted.
  rewrite_manifest(f, [&](Manifest* m) { m->stat_taken_ns = before.ctime_ns + 2'000'000'000; });
  CHECK(f.hits());
  ::usleep(20 * 1000);
  write_file(f.header, "#define X 7\n");
  struct timespec times[2] = {{before.mtime_ns / 1000000000, before.mtime_ns % 1000000000},
                              {before.mtime_ns / 1000000000, before.mtime_ns % 1000000000}};
  CHECK(::utimensat(AT_FDCWD, f.header.c_str(), times, 0) == 0);
  CHECK_EQ(stat_of(f.header).mtime_ns, before.mtime_ns);
  CHECK(!f.hits());
  CHECK(f.miss().kind == MissKind::kStaleHeader);
}

TEST(store_touched_header_still_hits_by_hash) {
  Fixture f;
  rewrite_manifest(f, [&](Manifest* m) { m->stat_taken_ns = stat_of(f.header).ctime_ns + 2'000'000'000; });
  ::usleep(20 * 1000);
  CHECK(::utimensat(AT_FDCWD, f.header.c_str(), nullptr, 0) == 0);
  CHECK(f.hits());
}

// A manifest of format 1 (no stat lines) is still read: by hash.
TEST(store_reads_format_1_manifest_without_stat_tuples) {
  Fixture f;
  std::string mpath = f.hit.entry_dir + "/manifest";
  std::string text = read_file(mpath);
  std::string v1;
  for (size_t at = 0; at < text.size();) {
    size_t nl = text.find('\n', at);
    std::string line = text.substr(at, nl + 1 - at);
    at = nl + 1;
    if (line.rfind("stat", 0) != 0) v1 += line;
  }
  v1.replace(0, std::string("cxximport-manifest 2").size(), "cxximport-manifest 1");
  CHECK(write_file(mpath, v1));
  CHECK(f.hits());
  write_file(f.header, "#define X 2\n");
  CHECK(!f.hits());
  CHECK(f.miss().kind == MissKind::kStaleHeader);
  // And format 1 never had stat lines: one there is an error.
  CHECK(write_file(mpath, text.replace(0, std::string("cxximport-manifest 2").size(), "cxximport-manifest 1")));
  CHECK(!f.hits());
  CHECK(f.miss().kind == MissKind::kCorrupt);
}

TEST(store_miss_reports_other_header_sets) {
  Fixture f;
  write_file(f.header, "#define X 2\n");
  Manifest m2 = make_manifest(f.manifest.key, "compute", {f.header});
  Hit h2;
  CHECK(build_and_publish(f.store, m2, &h2, "second"));
  write_file(f.header, "#define X 3\n");
  Miss miss = f.miss();
  CHECK(miss.kind == MissKind::kStaleHeader);
  CHECK_EQ(miss.other_variants, 1);
  CHECK(describe(miss).find("1 other header set") != std::string::npos);
}

TEST(store_explains_a_new_key_by_the_fields_that_changed) {
  Fixture f;
  const std::string source = "/src/compute.cxxpyx";
  KeyFields old_fields = {{"numpy", "2.1.0"}, {"compile_flags", "-O2 -fPIC"}, {"source", "abc"}};
  f.store.remember_key_fields(source, old_fields);
  Hit h;
  Miss miss;
  CHECK(!f.store.lookup(key_n(7), &h, &miss));
  CHECK(miss.kind == MissKind::kAbsent);
  KeyFields now = {{"numpy", "2.2.0"}, {"compile_flags", "-O3 -fPIC"}, {"source", "abc"}};
  f.store.explain_miss(source, now, &miss);
  CHECK(miss.kind == MissKind::kKeyChanged);
  CHECK_EQ(miss.changes.size(), std::size_t{2});
  CHECK_EQ(miss.changes[0].field, "numpy");
  CHECK_EQ(miss.changes[0].before, "2.1.0");
  CHECK_EQ(miss.changes[0].after, "2.2.0");
  std::string text = describe(miss);
  CHECK(text.find("numpy 2.1.0 \u2192 2.2.0") != std::string::npos);
  CHECK(text.find("compile flags removed -O2, added -O3") != std::string::npos);
  // Another source's memo says nothing of this one.
  Miss other;
  CHECK(!f.store.lookup(key_n(7), &h, &other));
  f.store.explain_miss("/src/other.cxxpyx", now, &other);
  CHECK(other.kind == MissKind::kAbsent);
  // Same fields (the entry was cleaned): plain absent.
  Miss same;
  CHECK(!f.store.lookup(key_n(7), &h, &same));
  f.store.explain_miss(source, old_fields, &same);
  CHECK(same.kind == MissKind::kAbsent);
  // The memo is one private file, replaced atomically (no temporary left).
  int files = 0;
  if (DIR* d = ::opendir((f.store.root() + "/v1/sources").c_str())) {
    while (struct dirent* e = ::readdir(d))
      if (e->d_name[0] != '.') ++files;
    ::closedir(d);
  }
  CHECK_EQ(files, 1);
}

TEST(store_explain_ignores_a_corrupt_memo) {
  Fixture f;
  const std::string source = "/src/compute.cxxpyx";
  f.store.remember_key_fields(source, {{"numpy", "2.1.0"}});
  std::string memo;
  if (DIR* d = ::opendir((f.store.root() + "/v1/sources").c_str())) {
    while (struct dirent* e = ::readdir(d))
      if (e->d_name[0] != '.') memo = f.store.root() + "/v1/sources/" + e->d_name;
    ::closedir(d);
  }
  CHECK(write_file(memo, "garbage\n"));
  Hit h;
  Miss miss;
  CHECK(!f.store.lookup(key_n(7), &h, &miss));
  f.store.explain_miss(source, {{"numpy", "2.2.0"}}, &miss);
  CHECK(miss.kind == MissKind::kAbsent);
}

// A memo writer killed between its write and its rename leaves a temporary
// file; the next open removes it once it is old, never a fresh one.
TEST(store_open_removes_old_memo_temporaries) {
  Fixture f;
  std::string old_tmp = f.store.root() + "/v1/sources/0123456789abcdef.tmp.AbCdEf";
  std::string new_tmp = f.store.root() + "/v1/compilers/fedcba9876543210.tmp.XyZxYz";
  std::string memo = f.store.root() + "/v1/sources/0123456789abcdef";
  CHECK(write_file(old_tmp, "half"));
  CHECK(write_file(new_tmp, "half"));
  CHECK(write_file(memo, "cxximport-source 1\n"));
  struct timespec two_hours_ago[2] = {{fs::now_seconds() - 7200, 0}, {fs::now_seconds() - 7200, 0}};
  CHECK(::utimensat(AT_FDCWD, old_tmp.c_str(), two_hours_ago, 0) == 0);
  CHECK(::utimensat(AT_FDCWD, memo.c_str(), two_hours_ago, 0) == 0);
  std::string err;
  CHECK(f.store.open(&err));
  CHECK(!exists(old_tmp));
  CHECK(exists(new_tmp));
  CHECK(exists(memo));
}
