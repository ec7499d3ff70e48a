#include "cache/store.hpp"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <dirent.h>
#include <fcntl.h>
#include <pwd.h>
#include <sys/stat.h>
#include <ctime>
#include <unistd.h>

#include "cache/fs_util.hpp"
#include "cache/layout.hpp"
#include "cache/lock.hpp"
#include "cache/process_id.hpp"
#include "cache/stats.hpp"
#include "util/hash.hpp"

namespace cxximport::cache {

namespace {

constexpr const char* kBuilderFile = "builder";
constexpr const char* kManifestFile = "manifest";
constexpr std::int64_t kTouchAfterSeconds = 60;
constexpr off_t kMaxManifestBytes = 16 << 20;
constexpr std::int64_t kOrphanAgeSeconds = 3600;        // no readable builder file
constexpr std::int64_t kForeignHostAgeSeconds = 86400;  // builder on another host

std::string errno_text(const std::string& what) { return what + ": " + std::strerror(errno); }

bool is_variant_name(const char* name) {
  size_t n = std::strlen(name);
  if (n != 16) return false;
  for (size_t i = 0; i < n; ++i)
    if (!((name[i] >= '0' && name[i] <= '9') || (name[i] >= 'a' && name[i] <= 'f'))) return false;
  return true;
}

struct Fd {
  int fd = -1;
  explicit Fd(int f) : fd(f) {}
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
};

// A refusal (security, not staleness) of path, whose stat is st.
bool refuse(const std::string& path, const struct stat* st, const std::string& reason, Miss* miss) {
  const bool foreign = st && st->st_uid != ::geteuid() && st->st_uid != 0;
  miss->kind = foreign ? MissKind::kForeignOwner : MissKind::kUnsafe;
  miss->path = path;
  miss->detail = reason;
  return false;
}

bool miss_with(MissKind kind, const std::string& path, const std::string& detail, Miss* miss) {
  miss->kind = kind;
  miss->path = path;
  miss->detail = detail;
  return false;
}

bool io_error(const std::string& path, Miss* miss) {
  return miss_with(errno == ENOENT ? MissKind::kCorrupt : MissKind::kUnreadable, path,
                   errno == ENOENT ? "missing (incomplete entry)" : std::strerror(errno), miss);
}

// Validates one variant directory (name inside the open key directory
// keyfd). On success fills *hit (paths relative to entries_dir); else says
// why in *miss.
bool check_variant(int keyfd, const std::string& key_dir, const char* name, const std::string& key, bool check_headers,
                   Hit* hit, Miss* miss, bool any_owner = false) {
  std::string entry_dir = fs::join(key_dir, name);
  Fd vfd(::openat(keyfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  if (vfd.fd < 0) {
    struct stat st;
    if (errno == ENOTDIR || errno == ELOOP) {
      bool statted = ::fstatat(keyfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0;
      if (statted && S_ISLNK(st.st_mode)) return refuse(entry_dir, &st, "is a symlink", miss);
      return refuse(entry_dir, statted ? &st : nullptr, "is not a directory", miss);
    }
    return io_error(entry_dir, miss);
  }
  struct stat st;
  if (::fstat(vfd.fd, &st) != 0) return io_error(entry_dir, miss);
  std::string r = fs::refusal(st, true, any_owner);
  if (!r.empty()) return refuse(entry_dir, &st, r, miss);

  // Manifest.
  std::string mpath = fs::join(entry_dir, kManifestFile);
  Fd mfd(::openat(vfd.fd, kManifestFile, O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
  if (mfd.fd < 0) {
    if (errno == ELOOP) return refuse(mpath, nullptr, "is a symlink", miss);
    return io_error(mpath, miss);
  }
  struct stat mst;
  if (::fstat(mfd.fd, &mst) != 0) return io_error(mpath, miss);
  r = fs::refusal(mst, false, any_owner);
  if (!r.empty()) return refuse(mpath, &mst, r, miss);
  if (mst.st_size > kMaxManifestBytes) return miss_with(MissKind::kCorrupt, mpath, "too large to be a manifest", miss);
  std::string text, err;
  if (!fs::read_fd(mfd.fd, &text, &err)) return miss_with(MissKind::kUnreadable, mpath, err, miss);
  Manifest m;
  if (!parse_manifest(text, &m, &err)) return miss_with(MissKind::kCorrupt, mpath, err, miss);
  if (m.key != key) return miss_with(MissKind::kCorrupt, mpath, "records key " + m.key + ", expected " + key, miss);

  // Shared object: present, private, of the recorded size.
  std::string so_path = fs::join(entry_dir, m.so_name);
  Fd sofd(::openat(vfd.fd, m.so_name.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
  if (sofd.fd < 0) {
    if (errno == ELOOP) return refuse(so_path, nullptr, "is a symlink", miss);
    return io_error(so_path, miss);
  }
  struct stat sst;
  if (::fstat(sofd.fd, &sst) != 0) return io_error(so_path, miss);
  r = fs::refusal(sst, false, any_owner);
  if (!r.empty()) return refuse(so_path, &sst, r, miss);
  if (static_cast<std::uint64_t>(sst.st_size) != m.so_size)
    return miss_with(MissKind::kCorrupt, so_path,
                     "size " + std::to_string(sst.st_size) + " differs from the recorded " + std::to_string(m.so_size),
                     miss);

  // Headers first (the likely change), then the shared object's content.
  if (check_headers && !Store::headers_match(m, miss)) return false;
  std::string so_hex;
  if (!fs::hash_fd(sofd.fd, &so_hex, &err)) return miss_with(MissKind::kUnreadable, so_path, err, miss);
  if (so_hex != m.so_hash)
    return miss_with(MissKind::kCorrupt, so_path, "content hash differs from the manifest (corrupt entry)", miss);

  // Record the use for LRU pruning: the variant directory's mtime.
  std::int64_t now = fs::now_seconds();
  if (now - static_cast<std::int64_t>(st.st_mtime) > kTouchAfterSeconds) ::futimens(vfd.fd, nullptr);

  hit->entry_dir = entry_dir;
  hit->so_path = so_path;
  hit->so_dev = static_cast<std::uint64_t>(sst.st_dev);
  hit->so_ino = static_cast<std::uint64_t>(sst.st_ino);
  hit->manifest = std::move(m);
  return true;
}

// mkdir name inside an existing cache directory (0700) and check it.
bool ensure_dir(const std::string& path, std::string* err) {
  struct stat st;
  if (::lstat(path.c_str(), &st) != 0) {
    if (errno != ENOENT) {
      *err = errno_text(path);
      return false;
    }
    if (::mkdir(path.c_str(), 0700) != 0 && errno != EEXIST) {
      *err = "cannot create " + errno_text(path);
      return false;
    }
  }
  return fs::check_private(path, true, err);
}

// Temporary files of memo writers that died before their rename
// (write_file_atomic names them <file>.tmp.XXXXXX); a live writer renames
// its own within milliseconds, so an hour-old one is garbage.
void remove_stale_temporaries(const std::string& dir, std::int64_t now) {
  DIR* d = ::opendir(dir.c_str());
  if (!d) return;
  while (struct dirent* e = ::readdir(d)) {
    struct stat st;
    if (!std::strstr(e->d_name, ".tmp.") || ::fstatat(::dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0 ||
        !S_ISREG(st.st_mode) || now - static_cast<std::int64_t>(st.st_mtime) <= kOrphanAgeSeconds)
      continue;
    ::unlinkat(::dirfd(d), e->d_name, 0);
  }
  ::closedir(d);
}

bool rename_noreplace(const std::string& from, const std::string& to) {
  if (::renameat2(AT_FDCWD, from.c_str(), AT_FDCWD, to.c_str(), RENAME_NOREPLACE) == 0) return true;
  if (errno != EINVAL && errno != ENOSYS) return false;
  // No RENAME_NOREPLACE here: a directory rename still refuses a non-empty
  // target, and every published entry holds at least its manifest.
  return ::rename(from.c_str(), to.c_str()) == 0;
}

}  // namespace

Store::Store(std::string root) : root_(std::move(root)) {
  // Absolute, so entry and shared object paths are absolute too.
  if (!root_.empty() && root_[0] != '/') {
    char cwd[4096];
    if (::getcwd(cwd, sizeof cwd)) root_ = fs::join(cwd, root_);
  }
  while (root_.size() > 1 && root_.back() == '/') root_.pop_back();
}

std::string Store::entries_dir() const { return layout::entries_dir(root_); }
std::string Store::tmp_dir() const { return layout::tmp_dir(root_); }
std::string Store::stats_path() const { return layout::stats_file(root_); }
std::string Store::failed_log_path(const std::string& key) const { return layout::failed_log(root_, key); }

std::string Store::default_root() {
  auto env = [](const char* name) -> std::string {
    const char* v = std::getenv(name);
    return v && *v ? v : "";
  };
  auto home = [&]() -> std::string {
    std::string h = env("HOME");
    if (h.empty()) {
      if (struct passwd* pw = ::getpwuid(::geteuid())) h = pw->pw_dir ? pw->pw_dir : "";
    }
    return h;
  };
  std::string dir = env("CXXIMPORT_CACHE_DIR");
  if (!dir.empty()) {
    // "~/cache" as a shell would have expanded it: values from .env files,
    // unit files and Dockerfiles often arrive unexpanded.
    if (dir == "~" || dir.rfind("~/", 0) == 0) {
      std::string h = home();
      if (!h.empty()) dir = h + dir.substr(1);
    }
    if (dir[0] != '/') {
      char cwd[4096];
      if (::getcwd(cwd, sizeof cwd)) dir = fs::join(cwd, dir);
    }
    return dir;
  }
  // The XDG Base Directory spec: a relative $XDG_CACHE_HOME is invalid and
  // is ignored (it would make the cache depend on the current directory).
  dir = env("XDG_CACHE_HOME");
  if (!dir.empty() && dir[0] == '/') return fs::join(dir, "cxximport");
  std::string h = home();
  if (h.empty()) return "";
  return fs::join(h, ".cache/cxximport");
}

bool Store::open(std::string* err) {
  read_only_ = sealed_ = false;
  if (root_.empty()) {
    *err = "no cache directory (set CXXIMPORT_CACHE_DIR)";
    return false;
  }
  std::string why;
  // The ancestors first, before anything is created under them.
  std::string parent = root_.substr(0, root_.find_last_of('/'));
  if (parent.empty()) parent = "/";
  std::string existing = parent;
  struct stat st;
  while (existing != "/" && ::lstat(existing.c_str(), &st) != 0 && errno == ENOENT)
    existing = existing.substr(0, std::max<std::size_t>(existing.find_last_of('/'), 1));
  std::string resolved;
  if (!fs::secure_ancestors(existing, &resolved, &why)) {
    *err = "cache directory " + root_ + " refused: " + why;
    return false;
  }
  if (::lstat(root_.c_str(), &st) != 0 && !fs::mkdirs_private(root_, &why)) {
    *err = "cache directory " + root_ + " cannot be created: " + why;
    return false;
  }
  // The directories between `existing` and the root were just made by us,
  // private: resolving the parent now only removes symlinks checked above.
  if (!fs::secure_ancestors(parent, &resolved, &why)) {
    *err = "cache directory " + root_ + " refused: " + why;
    return false;
  }
  root_ = fs::join(resolved, root_.substr(root_.find_last_of('/') + 1));
  // On a read-only file system nobody, its owner included, can change an
  // entry: whoever built it, it is served (a shared read-only mount).
  sealed_ = fs::read_only_fs(root_);
  if (!fs::check_private(root_, true, &why, sealed_)) {
    *err = "cache directory refused: " + why;
    return false;
  }
  // Read-only (a read-only mount, or a tree someone else built and lets us
  // read): serve its entries, which needs no lock and no write.
  if (::access(root_.c_str(), W_OK | X_OK) != 0 ||
      (::access(entries_dir().c_str(), F_OK) == 0 && ::access(entries_dir().c_str(), W_OK | X_OK) != 0)) {
    for (const std::string& dir : {layout::version_dir(root_), entries_dir()}) {
      if (!fs::check_private(dir, true, &why, sealed_)) {
        *err = "cache directory " + root_ + " is read-only and holds no usable cache: " + why;
        return false;
      }
    }
    read_only_ = true;
    return true;
  }
  for (const std::string& dir : layout::directories(root_)) {
    if (!ensure_dir(dir, &why)) {
      *err = "cache directory refused: " + why;
      return false;
    }
  }
  if (::access(tmp_dir().c_str(), W_OK | X_OK) != 0 || ::access(entries_dir().c_str(), W_OK | X_OK) != 0) {
    *err = "cache directory " + root_ + " is not writable";
    return false;
  }
  remove_stale_build_dirs(fs::now_seconds());
  for (const std::string& dir : {layout::memo_dir(root_), layout::sources_dir(root_)})
    remove_stale_temporaries(dir, fs::now_seconds());
  return true;
}

bool Store::lookup(const std::string& key, Hit* hit, Miss* miss) {
  *miss = Miss();
  if (!is_hex32(key)) return miss_with(MissKind::kInvalidKey, "", "invalid key '" + key + "'", miss);
  std::string key_dir = fs::join(entries_dir(), key);
  int keyfd = ::open(key_dir.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (keyfd < 0) {
    if (errno == ENOENT) return false;  // kAbsent
    struct stat kst;
    bool statted = ::lstat(key_dir.c_str(), &kst) == 0;
    if (errno == ELOOP || errno == ENOTDIR)
      return refuse(key_dir, statted ? &kst : nullptr,
                    statted && S_ISLNK(kst.st_mode) ? "is a symlink" : "is not a directory", miss);
    return io_error(key_dir, miss);
  }
  struct stat kst;
  std::string r = ::fstat(keyfd, &kst) == 0 ? fs::refusal(kst, true, sealed_) : "cannot stat";
  if (!r.empty()) {
    ::close(keyfd);
    return refuse(key_dir, &kst, r, miss);
  }
  DIR* d = ::fdopendir(keyfd);
  if (!d) {
    ::close(keyfd);
    return io_error(key_dir, miss);
  }
  // Most recently used variant first: it is the likeliest to match.
  std::vector<std::pair<std::int64_t, std::string>> variants;
  while (struct dirent* e = ::readdir(d)) {
    if (!is_variant_name(e->d_name)) continue;
    struct stat st;
    std::int64_t t = ::fstatat(::dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 ? st.st_mtime : 0;
    variants.emplace_back(t, e->d_name);
  }
  std::sort(variants.begin(), variants.end(), std::greater<>());
  // The reported miss is the most recently used variant's, unless another
  // was refused: that one the user must hear about.
  bool found = false;
  int failed = 0;
  for (const auto& [t, name] : variants) {
    Miss why;
    if (check_variant(::dirfd(d), key_dir, name.c_str(), key, true, hit, &why, sealed_)) {
      found = true;
      break;
    }
    if (failed++ == 0 || (refused(why) && !refused(*miss))) *miss = std::move(why);
  }
  ::closedir(d);
  if (!found) miss->other_variants = failed > 0 ? failed - 1 : 0;
  return found;
}

std::unique_ptr<KeyLock> Store::lock(const std::string& key, double timeout_seconds, const WaitCallback& on_wait,
                                     std::string* err, bool* timed_out) {
  if (!is_hex32(key)) {
    *err = "invalid key '" + key + "'";
    return nullptr;
  }
  return acquire_lock(layout::lock_file(root_, key), "key " + key, lock_mode_from_env(), timeout_seconds, on_wait, err,
                      timed_out);
}

bool Store::make_build_dir(const std::string& key, std::string* dir, std::string* err) {
  if (!is_hex32(key)) {
    *err = "invalid key '" + key + "'";
    return false;
  }
  std::string tmpl = fs::join(tmp_dir(), key.substr(0, 16) + ".XXXXXX");
  if (!::mkdtemp(tmpl.data())) {
    *err = "cannot create a build directory in " + errno_text(tmp_dir());
    return false;
  }
  // Written at once (no fsync: after a crash the boot id differs anyway),
  // so the window in which the directory has no owner is microseconds.
  if (!fs::write_file_atomic(fs::join(tmpl, kBuilderFile), format_identity(self_identity()), 0600, err, false)) {
    std::string ignored;
    fs::remove_tree(tmpl, &ignored);
    return false;
  }
  *dir = tmpl;
  return true;
}

bool Store::is_build_dir(const std::string& dir) const {
  std::string prefix = tmp_dir() + "/";
  if (dir.compare(0, prefix.size(), prefix) != 0) return false;
  std::string name = dir.substr(prefix.size());
  return !name.empty() && name != "." && name != ".." && name.find('/') == std::string::npos;
}

std::string Store::variant_name(const Manifest& m) {
  std::vector<std::pair<std::string, std::string>> hs;
  for (const HeaderDigest& h : m.headers) hs.emplace_back(h.path, h.hash);
  std::sort(hs.begin(), hs.end());
  Hasher hasher;
  hasher.field("headers", static_cast<std::int64_t>(hs.size()));
  for (const auto& [path, hash] : hs) hasher.field("path", path).field("hash", hash);
  return hasher.hex().substr(0, 16);
}

bool Store::publish(const std::string& build_dir, Manifest manifest, Hit* hit, std::string* err, bool durable) {
  if (!is_build_dir(build_dir)) {
    *err = "not a build directory of this cache: " + build_dir;
    return false;
  }
  if (!validate_manifest(manifest, true, err)) return false;

  std::string so_path = fs::join(build_dir, manifest.so_name);
  int sofd = ::open(so_path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  if (sofd < 0) {
    *err = "cannot publish: " + errno_text(so_path);
    return false;
  }
  struct stat sst;
  bool ok = ::fstat(sofd, &sst) == 0 && S_ISREG(sst.st_mode) && fs::hash_fd(sofd, &manifest.so_hash, err);
  ::close(sofd);
  if (!ok) {
    *err = "cannot publish: " + so_path + " is not a readable regular file";
    return false;
  }
  manifest.so_size = static_cast<std::uint64_t>(sst.st_size);
  manifest.created = fs::now_seconds();
  record_header_stats(&manifest);
  // The builder file stays (it says who built the entry): removing it before
  // the rename would let a build killed in between look ownerless for an hour.
  if (!fs::write_file_atomic(fs::join(build_dir, kManifestFile), format_manifest(manifest), 0600, err, durable))
    return false;
  if (!fs::make_tree_private(build_dir, err)) return false;

  std::string key_dir = fs::join(entries_dir(), manifest.key);
  std::string target = fs::join(key_dir, variant_name(manifest));
  for (int attempt = 0; attempt < 5; ++attempt) {
    if (!ensure_dir(key_dir, err)) {
      // A key directory we cannot trust (a symlink, group-writable, ...):
      // its entries are refused anyway, so move it aside and start afresh.
      std::string ignored;
      if (!remove_entry(key_dir, &ignored) || !ensure_dir(key_dir, err)) return false;
    }
    if (rename_noreplace(build_dir, target)) {
      ::utimensat(AT_FDCWD, target.c_str(), nullptr, AT_SYMLINK_NOFOLLOW);
      hit->entry_dir = target;
      hit->so_path = fs::join(target, manifest.so_name);
      // rename keeps the inode: this is the file hashed above.
      hit->so_dev = static_cast<std::uint64_t>(sst.st_dev);
      hit->so_ino = static_cast<std::uint64_t>(sst.st_ino);
      hit->manifest = std::move(manifest);
      return true;
    }
    if (errno == ENOENT) continue;  // key directory pruned meanwhile
    if (errno != EEXIST && errno != ENOTEMPTY) {
      *err = "cannot publish " + build_dir + " as " + target + ": " + std::strerror(errno);
      return false;
    }
    // Someone published this variant first. Use theirs if it is valid
    // (a published shared object is never replaced); else replace it.
    int keyfd = ::open(key_dir.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (keyfd >= 0) {
      Miss why;
      bool valid =
          check_variant(keyfd, key_dir, target.substr(key_dir.size() + 1).c_str(), manifest.key, false, hit, &why);
      ::close(keyfd);
      if (valid) {
        discard(build_dir, manifest.key, false);
        return true;
      }
    }
    std::string ignored;
    remove_entry(target, &ignored);
  }
  *err = "cannot publish " + build_dir + ": the entry kept changing under us";
  return false;
}

void Store::discard(const std::string& build_dir, const std::string& key, bool keep_log) {
  if (!is_build_dir(build_dir)) return;
  if (keep_log && is_hex32(key)) {
    std::string log = fs::join(build_dir, "build.log");
    struct stat st;
    if (::lstat(log.c_str(), &st) == 0 && S_ISREG(st.st_mode)) {
      ::chmod(log.c_str(), 0600);
      ::rename(log.c_str(), failed_log_path(key).c_str());
    }
  }
  std::string ignored;
  fs::remove_tree(build_dir, &ignored);
}

bool Store::remove_entry(const std::string& entry_dir, std::string* err) {
  std::string trash = fs::join(tmp_dir(), "trash.XXXXXX");
  if (!::mkdtemp(trash.data())) {
    *err = "cannot create " + errno_text(trash);
    return false;
  }
  // rename(2) may replace an empty directory: the entry disappears at once.
  // Anything else (a symlink planted in place of an entry) cannot replace a
  // directory, so it moves inside the trash directory instead; either way
  // nothing is followed.
  struct stat est;
  std::string dest = trash;
  if (::lstat(entry_dir.c_str(), &est) == 0 && !S_ISDIR(est.st_mode)) dest = fs::join(trash, "entry");
  if (::rename(entry_dir.c_str(), dest.c_str()) != 0) {
    int e = errno;
    ::rmdir(trash.c_str());
    if (e == ENOENT) return true;
    *err = "cannot remove " + entry_dir + ": " + std::strerror(e);
    return false;
  }
  return fs::remove_tree(trash, err);
}

void Store::count(std::string_view stat) { add_counter(stats_path(), stat, 1); }

int Store::remove_stale_build_dirs(std::int64_t now) {
  DIR* d = ::opendir(tmp_dir().c_str());
  if (!d) return 0;
  std::vector<std::string> stale;
  while (struct dirent* e = ::readdir(d)) {
    if (!std::strcmp(e->d_name, ".") || !std::strcmp(e->d_name, "..")) continue;
    struct stat st;
    if (::fstatat(::dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0) continue;
    std::int64_t age = now - static_cast<std::int64_t>(st.st_mtime);
    if (!std::strncmp(e->d_name, "trash.", 6)) {
      stale.push_back(e->d_name);  // never in use: an interrupted removal
      continue;
    }
    if (!S_ISDIR(st.st_mode)) {
      if (age > kOrphanAgeSeconds) stale.push_back(e->d_name);
      continue;
    }
    std::string text;
    int dfd = ::openat(::dirfd(d), e->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (dfd >= 0) {
      int bfd = ::openat(dfd, kBuilderFile, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
      if (bfd >= 0) {
        std::string err;
        fs::read_fd(bfd, &text, &err);
        ::close(bfd);
      }
      ::close(dfd);
    }
    ProcessIdentity id;
    bool remove;
    if (!parse_identity(text, &id)) {
      remove = age > kOrphanAgeSeconds;
    } else {
      switch (liveness(id)) {
        case Liveness::kDead:
          remove = true;
          break;
        case Liveness::kUnknown:
          remove = age > kForeignHostAgeSeconds;
          break;
        default:
          remove = false;
          break;
      }
    }
    if (remove) stale.push_back(e->d_name);
  }
  ::closedir(d);
  int removed = 0;
  for (const std::string& name : stale) {
    std::string err;
    if (fs::remove_tree(fs::join(tmp_dir(), name), &err)) ++removed;
  }
  return removed;
}

bool Store::open_private_fallback(const std::string& why, Store* out, std::string* warning, std::string* err) {
  const char* t = std::getenv("TMPDIR");
  std::string base = t && *t ? t : "/tmp";
  std::string prefix = "cxximport-" + std::to_string(::geteuid()) + "-";
  // Reuse a private cache left by an earlier process of ours: its name is
  // unpredictable, and only we can own a 0700 directory that passes the checks.
  if (DIR* d = ::opendir(base.c_str())) {
    std::vector<std::string> candidates;
    while (struct dirent* e = ::readdir(d))
      if (!std::strncmp(e->d_name, prefix.c_str(), prefix.size())) candidates.push_back(e->d_name);
    ::closedir(d);
    std::sort(candidates.begin(), candidates.end());
    for (const std::string& name : candidates) {
      std::string path = fs::join(base, name), ignored;
      struct stat st;
      if (::lstat(path.c_str(), &st) != 0 || !fs::refusal(st, true).empty() || st.st_uid != ::geteuid() ||
          (st.st_mode & 077) != 0)
        continue;
      Store s(path);
      if (s.open(&ignored) && !s.read_only()) {
        *out = std::move(s);
        *warning = why + "; using the private cache " + path + " instead";
        return true;
      }
    }
  }
  std::string tmpl = fs::join(base, prefix + "XXXXXX");
  if (!::mkdtemp(tmpl.data())) {
    *err = why + "; and no private cache either: cannot create " + errno_text(tmpl);
    return false;
  }
  Store s(tmpl);
  std::string open_err;
  if (!s.open(&open_err) || s.read_only()) {
    *err = why + "; and no private cache either: " + open_err;
    return false;
  }
  *out = std::move(s);
  *warning = why + "; using the private cache " + tmpl + " instead";
  return true;
}

}  // namespace cxximport::cache
