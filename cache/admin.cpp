#include "cache/admin.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <dirent.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cache/fs_util.hpp"
#include "cache/layout.hpp"
#include "cache/manifest.hpp"
#include "cache/stats.hpp"
#include "cache/store.hpp"

namespace cxximport::cache {

namespace {

std::vector<std::string> list_dir(const std::string& dir) {
  std::vector<std::string> names;
  if (DIR* d = ::opendir(dir.c_str())) {
    while (struct dirent* e = ::readdir(d))
      if (e->d_name[0] != '.') names.push_back(e->d_name);
    ::closedir(d);
  }
  std::sort(names.begin(), names.end());
  return names;
}

// false with err when root exists but may not be administered; *exists
// tells whether there is anything to look at.
bool check_root(const std::string& root, bool* exists, std::string* err) {
  struct stat st;
  if (::lstat(root.c_str(), &st) != 0) {
    *exists = false;
    if (errno == ENOENT) return true;
    *err = root + ": " + std::strerror(errno);
    return false;
  }
  *exists = true;
  std::string why;
  if (!fs::check_private(root, true, &why)) {
    *err = "cache directory refused: " + why;
    return false;
  }
  return true;
}

EntryInfo describe(const std::string& key_dir, const std::string& key, const std::string& variant) {
  EntryInfo e;
  e.key = key;
  e.variant = variant;
  e.entry_dir = fs::join(key_dir, variant);
  struct stat st;
  if (::lstat(e.entry_dir.c_str(), &st) != 0) {
    e.problem = std::strerror(errno);
    return e;
  }
  e.last_used = st.st_mtime;
  e.created = st.st_ctime;
  if (!S_ISDIR(st.st_mode)) {
    e.problem = S_ISLNK(st.st_mode) ? "is a symlink" : "is not a directory";
    return e;
  }
  e.size_bytes = fs::tree_size(e.entry_dir);
  std::string text, err;
  int fd = ::open(fs::join(e.entry_dir, "manifest").c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0 || !fs::read_fd(fd, &text, &err)) {
    e.problem = "no readable manifest";
    if (fd >= 0) ::close(fd);
    return e;
  }
  ::close(fd);
  Manifest m;
  if (!parse_manifest(text, &m, &err)) {
    e.problem = err;
    return e;
  }
  e.module = m.module;
  e.source = m.source;
  e.created = m.created;
  return e;
}

// Unlinks lock files that nobody holds. Takes each lock first (so no
// holder is cut off); lock() re-checks the inode after locking, so a waiter
// on the removed file moves on to a new one.
void remove_idle_locks(const std::string& locks_dir) {
  for (const std::string& name : list_dir(locks_dir)) {
    std::string path = fs::join(locks_dir, name);
    if (name.size() > 5 && name.compare(name.size() - 5, 5, ".lock") == 0) {
      int fd = ::open(path.c_str(), O_RDWR | O_NOFOLLOW | O_CLOEXEC);
      if (fd < 0) continue;
      if (::flock(fd, LOCK_EX | LOCK_NB) == 0) ::unlink(path.c_str());
      ::close(fd);
    }
  }
}

}  // namespace

bool list_entries(const std::string& root, std::vector<EntryInfo>* entries, std::string* err) {
  entries->clear();
  bool exists = false;
  if (!check_root(root, &exists, err)) return false;
  if (!exists) return true;
  std::string entries_dir = layout::entries_dir(root);
  for (const std::string& key : list_dir(entries_dir)) {
    std::string key_dir = fs::join(entries_dir, key);
    struct stat st;
    if (::lstat(key_dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) continue;
    for (const std::string& variant : list_dir(key_dir)) entries->push_back(describe(key_dir, key, variant));
  }
  std::sort(entries->begin(), entries->end(), [](const EntryInfo& a, const EntryInfo& b) {
    if (a.module != b.module) return a.module < b.module;
    return a.last_used > b.last_used;
  });
  return true;
}

bool cache_info(const std::string& root, CacheInfo* info, std::string* err) {
  *info = CacheInfo();
  info->location = root;
  std::vector<EntryInfo> entries;
  if (!list_entries(root, &entries, err)) return false;
  info->entries = entries.size();
  for (const EntryInfo& e : entries) info->total_bytes += e.size_bytes;
  info->tmp_bytes = fs::tree_size(layout::tmp_dir(root));
  info->failed_logs = list_dir(layout::failed_dir(root)).size();
  info->counters = read_counters(layout::stats_file(root));
  auto get = [&](const char* k) {
    auto it = info->counters.find(k);
    return it == info->counters.end() ? 0 : it->second;
  };
  info->hits = get("hit");
  info->misses = get("miss");
  info->builds = get("build");
  info->build_failures = get("build_failed");
  return true;
}

bool clean(const std::string& root, const std::string& module, std::uint64_t* removed, std::string* err) {
  *removed = 0;
  std::vector<EntryInfo> entries;
  if (!list_entries(root, &entries, err)) return false;
  bool exists = false;
  if (!check_root(root, &exists, err)) return false;
  if (!exists) return true;
  Store store(root);
  if (!store.open(err)) return false;
  for (const EntryInfo& e : entries) {
    if (!module.empty() && e.module != module) continue;
    if (!store.remove_entry(e.entry_dir, err)) return false;
    ::rmdir(fs::join(store.entries_dir(), e.key).c_str());  // fails while other variants remain
    ++*removed;
  }
  if (module.empty()) {
    std::string failed = layout::failed_dir(root);
    for (const std::string& name : list_dir(failed)) ::unlink(fs::join(failed, name).c_str());
    remove_idle_locks(layout::locks_dir(root));
    store.remove_stale_build_dirs(fs::now_seconds());
  }
  return true;
}

bool prune(const std::string& root, std::uint64_t max_size_bytes, std::int64_t older_than_seconds, std::int64_t now,
           PruneResult* result, std::string* err) {
  *result = PruneResult();
  std::vector<EntryInfo> entries;
  if (!list_entries(root, &entries, err)) return false;
  bool exists = false;
  if (!check_root(root, &exists, err)) return false;
  if (!exists) return true;
  Store store(root);
  if (!store.open(err)) return false;  // also removes dead build directories
  if (store.read_only()) {
    *err = "cache directory " + store.root() + " is read-only: nothing can be pruned";
    return false;
  }
  std::stable_sort(entries.begin(), entries.end(),
                   [](const EntryInfo& a, const EntryInfo& b) { return a.last_used < b.last_used; });
  std::uint64_t total = 0;
  for (const EntryInfo& e : entries) total += e.size_bytes;
  for (const EntryInfo& e : entries) {
    bool broken = !e.problem.empty();
    bool too_old = older_than_seconds > 0 && now - e.last_used > older_than_seconds;
    bool too_big = max_size_bytes > 0 && total > max_size_bytes;
    if (!(broken || too_old || too_big)) {
      ++result->kept_entries;
      result->kept_bytes += e.size_bytes;
      continue;
    }
    if (!store.remove_entry(e.entry_dir, err)) return false;
    ::rmdir(fs::join(store.entries_dir(), e.key).c_str());
    total -= e.size_bytes;
    ++result->removed_entries;
    result->removed_bytes += e.size_bytes;
  }
  return true;
}

bool prune_to_fit(const std::string& root, std::uint64_t max_size_bytes, const std::string& keep_entry_dir,
                  PruneResult* result, std::string* err) {
  *result = PruneResult();
  std::vector<EntryInfo> entries;
  if (!list_entries(root, &entries, err)) return false;
  std::uint64_t total = 0;
  for (const EntryInfo& e : entries) total += e.size_bytes;
  if (max_size_bytes == 0 || total <= max_size_bytes) return true;
  const std::uint64_t target = max_size_bytes - max_size_bytes / 10;
  Store store(root);
  if (!store.open(err)) return false;
  std::stable_sort(entries.begin(), entries.end(),
                   [](const EntryInfo& a, const EntryInfo& b) { return a.last_used < b.last_used; });
  for (const EntryInfo& e : entries) {
    if (total <= target || e.entry_dir == keep_entry_dir) {
      ++result->kept_entries;
      result->kept_bytes += e.size_bytes;
      continue;
    }
    if (!store.remove_entry(e.entry_dir, err)) return false;
    ::rmdir(fs::join(store.entries_dir(), e.key).c_str());
    total -= e.size_bytes;
    ++result->removed_entries;
    result->removed_bytes += e.size_bytes;
  }
  return true;
}

}  // namespace cxximport::cache
