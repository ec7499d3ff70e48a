#include "cache/fs_util.hpp"

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <dirent.h>
#include <fcntl.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "util/hash.hpp"

namespace cxximport::cache::fs {

namespace {

std::string errno_text(const std::string& path) { return path + ": " + std::strerror(errno); }

std::string octal_mode(mode_t m) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "%04o", static_cast<unsigned>(m & 07777));
  return buf;
}

// Applies fn(dirfd, name, st) to every entry below the directory dirfd
// (depth first, children before their directory). fn returns false to stop.
template <class Fn>
bool walk(int dirfd, Fn&& fn) {
  DIR* d = ::fdopendir(dirfd);
  if (!d) {
    ::close(dirfd);
    return false;
  }
  bool ok = true;
  while (struct dirent* e = ::readdir(d)) {
    if (!std::strcmp(e->d_name, ".") || !std::strcmp(e->d_name, "..")) continue;
    struct stat st;
    if (::fstatat(::dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0) {
      if (errno == ENOENT) continue;
      ok = false;
      continue;
    }
    if (S_ISDIR(st.st_mode)) {
      int sub = ::openat(::dirfd(d), e->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
      if (sub < 0 && errno == EACCES && st.st_uid == ::geteuid()) {
        ::fchmodat(::dirfd(d), e->d_name, 0700, 0);
        sub = ::openat(::dirfd(d), e->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
      }
      if (sub >= 0) {
        if (!walk(sub, fn)) ok = false;
      } else {
        ok = false;
      }
    }
    if (!fn(::dirfd(d), e->d_name, st)) ok = false;
  }
  ::closedir(d);
  return ok;
}

}  // namespace

std::string join(std::string_view a, std::string_view b) {
  std::string out(a);
  if (!out.empty() && out.back() != '/') out += '/';
  out += b;
  return out;
}

bool mkdirs_private(const std::string& path, std::string* err) {
  if (path.empty()) {
    *err = "empty directory path";
    return false;
  }
  // Walk the components; create the missing ones 0700.
  size_t pos = 0;
  for (;;) {
    pos = path.find('/', pos + 1);
    std::string part = path.substr(0, pos);
    if (!part.empty() && part != "/") {
      if (::mkdir(part.c_str(), 0700) != 0 && errno != EEXIST) {
        *err = "cannot create " + errno_text(part);
        return false;
      }
    }
    if (pos == std::string::npos) break;
  }
  struct stat st;
  if (::stat(path.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
    *err = path + ": not a directory";
    return false;
  }
  return true;
}

bool read_only_fs(const std::string& path) {
  struct statvfs vfs;
  return ::statvfs(path.c_str(), &vfs) == 0 && (vfs.f_flag & ST_RDONLY);
}

std::string refusal(const struct stat& st, bool want_dir, bool any_owner) {
  if (S_ISLNK(st.st_mode)) return "is a symlink";
  if (want_dir && !S_ISDIR(st.st_mode)) return "is not a directory";
  if (!want_dir && !S_ISREG(st.st_mode)) return "is not a regular file";
  // root can change anything anyway: trusting its files costs nothing, and
  // lets a cache that root built (a container image) serve other users.
  if (!any_owner && st.st_uid != ::geteuid() && st.st_uid != 0)
    return "is owned by uid " + std::to_string(st.st_uid) + ", not by the current user (uid " +
           std::to_string(::geteuid()) + ") or root";
  if (st.st_mode & (S_IWGRP | S_IWOTH)) return "is writable by group or others (mode " + octal_mode(st.st_mode) + ")";
  return "";
}

bool secure_ancestors(const std::string& dir, std::string* resolved, std::string* err) {
  // Resolved once: from here on the path has no symlink in it, so what is
  // checked below is what every later open goes through.
  char* real = ::realpath(dir.c_str(), nullptr);
  if (!real) {
    *err = "cannot resolve " + errno_text(dir);
    return false;
  }
  std::string d = real;
  std::free(real);
  *resolved = d;
  for (;;) {
    struct stat st;
    if (::lstat(d.c_str(), &st) != 0) {
      *err = errno_text(d);
      return false;
    }
    const bool sealed = read_only_fs(d);  // nobody can rename or change anything in it
    if (!sealed && st.st_uid != ::geteuid() && st.st_uid != 0) {
      *err = "its parent directory " + d + " is owned by uid " + std::to_string(st.st_uid) +
             ", neither the current user (uid " + std::to_string(::geteuid()) +
             ") nor root: that user could replace the cache";
      return false;
    }
    // Writable by others is fine only with the sticky bit (/tmp): then only
    // the owner of a child (us or root, checked one step down) may rename it.
    if (!sealed && (st.st_mode & (S_IWGRP | S_IWOTH)) && !(st.st_mode & S_ISVTX)) {
      *err = "its parent directory " + d + " is writable by group or others (mode " + octal_mode(st.st_mode) +
             ", not sticky): they could replace the cache";
      return false;
    }
    if (d == "/") return true;
    std::size_t slash = d.find_last_of('/');
    d = slash == 0 ? "/" : d.substr(0, slash);
  }
}

bool check_private(const std::string& path, bool want_dir, std::string* err, bool any_owner) {
  struct stat st;
  if (::lstat(path.c_str(), &st) != 0) {
    *err = errno_text(path);
    return false;
  }
  std::string why = refusal(st, want_dir, any_owner);
  if (!why.empty()) {
    *err = path + " " + why;
    return false;
  }
  return true;
}

bool read_fd(int fd, std::string* out, std::string* err) {
  out->clear();
  char buf[1 << 14];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      *err = std::strerror(errno);
      return false;
    }
    if (n == 0) return true;
    out->append(buf, static_cast<size_t>(n));
  }
}

bool remove_tree(const std::string& path, std::string* err) {
  struct stat st;
  if (::lstat(path.c_str(), &st) != 0) {
    if (errno == ENOENT) return true;
    *err = errno_text(path);
    return false;
  }
  if (!S_ISDIR(st.st_mode)) {
    if (::unlink(path.c_str()) != 0 && errno != ENOENT) {
      *err = "cannot remove " + errno_text(path);
      return false;
    }
    return true;
  }
  int fd = ::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0 && errno == EACCES && st.st_uid == ::geteuid()) {
    ::chmod(path.c_str(), 0700);
    fd = ::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  }
  if (fd >= 0) {
    walk(fd, [](int dfd, const char* name, const struct stat& s) {
      return ::unlinkat(dfd, name, S_ISDIR(s.st_mode) ? AT_REMOVEDIR : 0) == 0 || errno == ENOENT;
    });
  }
  if (::rmdir(path.c_str()) != 0 && errno != ENOENT) {
    *err = "cannot remove " + errno_text(path);
    return false;
  }
  return true;
}

bool make_tree_private(const std::string& path, std::string* err) {
  int fd = ::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) {
    *err = errno_text(path);
    return false;
  }
  if (::fchmod(fd, 0700) != 0) {
    *err = "cannot chmod " + errno_text(path);
    ::close(fd);
    return false;
  }
  bool ok = walk(fd, [](int dfd, const char* name, const struct stat& s) {
    if (S_ISLNK(s.st_mode)) return true;  // never followed; lookup refuses them anyway
    mode_t m = S_ISDIR(s.st_mode) || (s.st_mode & S_IXUSR) ? 0700 : 0600;
    return ::fchmodat(dfd, name, m, 0) == 0;
  });
  if (!ok) *err = "cannot make " + path + " private";
  return ok;
}

std::uint64_t tree_size(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) return 0;
  std::uint64_t total = 0;
  walk(fd, [&](int, const char*, const struct stat& s) {
    if (S_ISREG(s.st_mode)) total += static_cast<std::uint64_t>(s.st_size);
    return true;
  });
  return total;
}

std::int64_t now_seconds() { return static_cast<std::int64_t>(::time(nullptr)); }

}  // namespace cxximport::cache::fs
