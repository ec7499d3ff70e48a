#include "cache/admin.hpp"

#include "cache/stats.hpp"
#include "cache_test_util.hpp"
#include "check.hpp"

using namespace cxximport::cache;
using namespace cachetest;

namespace {

// A cache with entries a (key 1), b (key 2), c (key 3), each so of `size`
// bytes, last used at t0 + 100*i.
struct Fixture {
  TempDir tmp;
  std::string root = tmp / "cache";
  Store store{root};
  std::int64_t t0 = 1'000'000;
  std::vector<Hit> hits;
  Fixture(size_t size = 1000) {
    std::string err;
    store.open(&err);
    const char* mods[] = {"a", "b", "c"};
    for (int i = 0; i < 3; ++i) {
      Hit h;
      build_and_publish(store, make_manifest(key_n(i + 1), mods[i]), &h, std::string(size, 'x'));
      set_last_used(h.entry_dir, t0 + 100 * i);
      hits.push_back(h);
    }
  }
  static void set_last_used(const std::string& dir, std::int64_t t) {
    struct timespec ts[2] = {{t, 0}, {t, 0}};
    ::utimensat(AT_FDCWD, dir.c_str(), ts, AT_SYMLINK_NOFOLLOW);
  }
  std::vector<std::string> modules() {
    std::vector<EntryInfo> es;
    std::string err;
    list_entries(root, &es, &err);
    std::vector<std::string> out;
    for (auto& e : es) out.push_back(e.module);
    return out;
  }
};

std::string joined(const std::vector<std::string>& v) {
  std::string s;
  for (auto& x : v) s += x + ",";
  return s;
}

}  // namespace

TEST(admin_lists_entries_with_module_source_and_size) {
  Fixture f;
  std::vector<EntryInfo> es;
  std::string err;
  CHECK(list_entries(f.root, &es, &err));
  CHECK_EQ(es.size(), 3u);
  CHECK_EQ(es[0].module, "a");
  CHECK_EQ(es[0].source, "/src/a.cxxpyx");
  CHECK_EQ(es[0].key, key_n(1));
  CHECK_EQ(es[0].entry_dir, f.hits[0].entry_dir);
  CHECK_EQ(es[0].variant.size(), 16u);
  CHECK_EQ(es[0].last_used, f.t0);
  CHECK(es[0].size_bytes >= 1000);
  CHECK(es[0].created > 0);
  CHECK(es[0].problem.empty());
}

TEST(admin_lookup_records_last_use) {
  Fixture f;
  Hit h;
  Miss why;
  CHECK(f.store.lookup(key_n(1), &h, &why));
  std::vector<EntryInfo> es;
  std::string err;
  list_entries(f.root, &es, &err);
  CHECK(es[0].last_used > f.t0 + 1000);  // now, not t0
}

TEST(admin_missing_root_is_an_empty_cache) {
  TempDir tmp;
  std::vector<EntryInfo> es;
  CacheInfo info;
  std::string err;
  CHECK(list_entries(tmp / "nothing", &es, &err));
  CHECK(es.empty());
  CHECK(cache_info(tmp / "nothing", &info, &err));
  CHECK_EQ(info.entries, 0u);
  std::uint64_t removed = 7;
  CHECK(clean(tmp / "nothing", "", &removed, &err));
  CHECK_EQ(removed, 0u);
  CHECK(!exists(tmp / "nothing"));
}

TEST(admin_refuses_group_writable_root) {
  Fixture f;
  ::chmod(f.root.c_str(), 0777);
  std::vector<EntryInfo> es;
  std::string err;
  CHECK(!list_entries(f.root, &es, &err));
  CHECK(err.find("writable") != std::string::npos);
}

TEST(admin_info_reports_counts_size_and_counters) {
  Fixture f;
  f.store.count("hit");
  f.store.count("hit");
  f.store.count("miss");
  f.store.count("build");
  f.store.count("build_failed");
  CacheInfo info;
  std::string err;
  CHECK(cache_info(f.root, &info, &err));
  CHECK_EQ(info.location, f.root);
  CHECK_EQ(info.entries, 3u);
  CHECK(info.total_bytes >= 3000);
  CHECK_EQ(info.hits, 2u);
  CHECK_EQ(info.misses, 1u);
  CHECK_EQ(info.builds, 1u);
  CHECK_EQ(info.build_failures, 1u);
}

TEST(admin_clean_removes_one_module_or_all) {
  Fixture f;
  std::uint64_t removed = 0;
  std::string err;
  CHECK(clean(f.root, "b", &removed, &err));
  CHECK_EQ(removed, 1u);
  CHECK_EQ(joined(f.modules()), "a,c,");
  CHECK(!exists(f.store.entries_dir() + "/" + key_n(2)));
  write_file(f.store.failed_log_path(key_n(9)), "log");
  CHECK(clean(f.root, "", &removed, &err));
  CHECK_EQ(removed, 2u);
  CHECK(f.modules().empty());
  CHECK(!exists(f.store.failed_log_path(key_n(9))));
  Hit h;
  Miss miss;
  CHECK(!f.store.lookup(key_n(1), &h, &miss));
}

TEST(admin_clean_keeps_lock_that_is_held) {
  Fixture f;
  std::string err;
  auto lock = f.store.lock(key_n(4), 1, nullptr, &err);
  CHECK(lock != nullptr);
  {
    // An idle lock file from an earlier build.
    auto idle = f.store.lock(key_n(5), 1, nullptr, &err);
  }
  std::uint64_t removed = 0;
  CHECK(clean(f.root, "", &removed, &err));
  CHECK(exists(f.root + "/v1/locks/" + key_n(4) + ".lock"));
  CHECK(!exists(f.root + "/v1/locks/" + key_n(5) + ".lock"));
}

TEST(admin_prune_by_age_removes_least_recently_used) {
  Fixture f;
  PruneResult r;
  std::string err;
  // now = t0 + 1000: ages are 1000, 900, 800.
  CHECK(prune(f.root, 0, 850, f.t0 + 1000, &r, &err));
  CHECK_EQ(r.removed_entries, 2u);
  CHECK_EQ(r.kept_entries, 1u);
  CHECK_EQ(joined(f.modules()), "c,");
}

TEST(admin_prune_by_size_removes_least_recently_used_first) {
  Fixture f(10000);
  // Make b the least recently used, then a, then c.
  Fixture::set_last_used(f.hits[1].entry_dir, f.t0 - 500);
  std::vector<EntryInfo> es;
  std::string err;
  list_entries(f.root, &es, &err);
  std::uint64_t one = es[0].size_bytes;
  PruneResult r;
  CHECK(prune(f.root, 2 * one, 0, f.t0 + 1000, &r, &err));
  CHECK_EQ(r.removed_entries, 1u);
  CHECK_EQ(joined(f.modules()), "a,c,");
  CHECK(prune(f.root, one + one / 2, 0, f.t0 + 1000, &r, &err));
  CHECK_EQ(joined(f.modules()), "c,");
  CHECK_EQ(r.kept_bytes, one);
  CHECK(prune(f.root, 0, 0, f.t0 + 1000, &r, &err));  // no limits: nothing to do
  CHECK_EQ(r.removed_entries, 0u);
  CHECK_EQ(joined(f.modules()), "c,");
}

TEST(admin_prune_removes_broken_entries) {
  Fixture f;
  write_file(f.hits[0].entry_dir + "/manifest", "garbage");
  std::vector<EntryInfo> es;
  std::string err;
  list_entries(f.root, &es, &err);
  int broken = 0;
  for (auto& e : es) broken += !e.problem.empty();
  CHECK_EQ(broken, 1);
  PruneResult r;
  CHECK(prune(f.root, 0, 0, f.t0 + 1000, &r, &err));
  CHECK_EQ(r.removed_entries, 1u);
  CHECK_EQ(joined(f.modules()), "b,c,");
}

TEST(admin_removed_entry_stays_usable_by_a_process_that_opened_it) {
  Fixture f;
  int fd = ::open(f.hits[0].so_path.c_str(), O_RDONLY | O_CLOEXEC);
  CHECK(fd >= 0);
  std::uint64_t removed = 0;
  std::string err;
  CHECK(clean(f.root, "a", &removed, &err));
  char buf[4] = {0};
  CHECK_EQ(::pread(fd, buf, 3, 0), 3);
  CHECK_EQ(std::string(buf), "xxx");
  ::close(fd);
  // Nothing is left in tmp/ either.
  CHECK_EQ(cachetest::exists(f.store.tmp_dir()), true);
  CacheInfo info;
  CHECK(cache_info(f.root, &info, &err));
  CHECK_EQ(info.tmp_bytes, 0u);
}
