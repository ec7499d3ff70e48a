#include "cache/lock.hpp"

#include <cerrno>
#include <chrono>
#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <thread>
#include <unistd.h>

#include "cache/fs_util.hpp"
#include "cache/process_id.hpp"

namespace cxximport::cache {

namespace {

constexpr auto kPollInterval = std::chrono::milliseconds(25);

class FlockLock : public KeyLock {
 public:
  explicit FlockLock(int fd) : fd_(fd) {}
  ~FlockLock() override {
    // Clear our pid while still holding the lock, then let close() release it.
    if (::ftruncate(fd_, 0) != 0) {
    }
    ::close(fd_);
  }

 private:
  int fd_;
};

class ExclusiveFileLock : public KeyLock {
 public:
  ExclusiveFileLock(std::string path, ino_t ino, dev_t dev) : path_(std::move(path)), ino_(ino), dev_(dev) {}
  ~ExclusiveFileLock() override {
    struct stat st;
    if (::lstat(path_.c_str(), &st) == 0 && st.st_ino == ino_ && st.st_dev == dev_) ::unlink(path_.c_str());
  }

 private:
  std::string path_;
  ino_t ino_;
  dev_t dev_;
};

std::string read_text(const std::string& path, struct stat* st) {
  int fd = ::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) return "";
  std::string text, err;
  if (st && ::fstat(fd, st) != 0) std::memset(st, 0, sizeof *st);
  fs::read_fd(fd, &text, &err);
  ::close(fd);
  return text;
}

bool write_all(int fd, const std::string& s) {
  return ::pwrite(fd, s.data(), s.size(), 0) == static_cast<ssize_t>(s.size());
}

enum class Attempt { kAcquired, kBusy, kUnsupported, kError };

struct Holder {
  ProcessIdentity id;  // pid 0 when unknown
};

// One non-blocking try at the flock lock. *fd is opened on first use.
Attempt try_flock(const std::string& path, int* fd, std::unique_ptr<KeyLock>* out, Holder* holder, std::string* err) {
  for (;;) {
    if (*fd < 0) {
      *fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
      if (*fd < 0) {
        *err = "cannot open lock file " + path + ": " + std::strerror(errno);
        return Attempt::kError;
      }
    }
    if (::flock(*fd, LOCK_EX | LOCK_NB) != 0) {
      int e = errno;
      if (e == EWOULDBLOCK || e == EINTR) {
        char buf[256];
        ssize_t n = ::pread(*fd, buf, sizeof buf - 1, 0);
        parse_identity(std::string_view(buf, n > 0 ? static_cast<size_t>(n) : 0), &holder->id);
        return Attempt::kBusy;
      }
      if (e == ENOLCK || e == EOPNOTSUPP || e == ENOSYS || e == EINVAL) return Attempt::kUnsupported;
      *err = "cannot lock " + path + ": " + std::strerror(e);
      return Attempt::kError;
    }
    // The file may have been deleted (and maybe recreated) before we locked
    // it: then our lock excludes nobody. Retry on the current file.
    struct stat mine, now;
    if (::fstat(*fd, &mine) != 0 || ::lstat(path.c_str(), &now) != 0 || mine.st_ino != now.st_ino ||
        mine.st_dev != now.st_dev) {
      ::close(*fd);
      *fd = -1;
      continue;
    }
    std::string id = format_identity(self_identity());
    if (::ftruncate(*fd, 0) != 0 || !write_all(*fd, id)) {
      // The pid is informational only; the lock is held regardless.
    }
    out->reset(new FlockLock(*fd));
    *fd = -1;
    return Attempt::kAcquired;
  }
}

// One try at the exclusive-file lock at excl; tmp is a fully written file
// holding our identity, hard-linked into place.
Attempt try_exclusive(const std::string& excl, const std::string& tmp, std::unique_ptr<KeyLock>* out, Holder* holder,
                      std::string* err) {
  for (int round = 0; round < 3; ++round) {
    if (::link(tmp.c_str(), excl.c_str()) == 0) {
      struct stat st;
      if (::lstat(excl.c_str(), &st) != 0) {
        *err = "cannot stat " + excl + ": " + std::strerror(errno);
        return Attempt::kError;
      }
      out->reset(new ExclusiveFileLock(excl, st.st_ino, st.st_dev));
      return Attempt::kAcquired;
    }
    if (errno != EEXIST) {
      *err = "cannot create lock file " + excl + ": " + std::strerror(errno);
      return Attempt::kError;
    }
    struct stat held;
    std::string text = read_text(excl, &held);
    if (text.empty() && ::lstat(excl.c_str(), &held) != 0) continue;  // just released
    bool parsed = parse_identity(text, &holder->id);
    bool stale = parsed ? liveness(holder->id) == Liveness::kDead
                        : fs::now_seconds() - static_cast<std::int64_t>(held.st_mtime) > 60;
    if (!stale) return Attempt::kBusy;
    // Break the stale lock: move it aside under a unique name, and make sure
    // what we moved is the file we judged stale (not a fresh lock).
    std::string aside = excl + ".stale.XXXXXX";
    int afd = ::mkostemp(aside.data(), O_CLOEXEC);
    if (afd < 0) {
      *err = "cannot break stale lock " + excl + ": " + std::strerror(errno);
      return Attempt::kError;
    }
    ::close(afd);
    if (::rename(excl.c_str(), aside.c_str()) == 0) {
      struct stat moved;
      if (::lstat(aside.c_str(), &moved) == 0 && moved.st_ino != held.st_ino) {
        // We moved someone's fresh lock: put it back.
        if (::link(aside.c_str(), excl.c_str()) != 0) {
        }
      }
    }
    ::unlink(aside.c_str());
  }
  return Attempt::kBusy;
}

std::string describe_holder(const Holder& h) {
  if (h.id.pid <= 0) return "another process";
  std::string s = "pid " + std::to_string(h.id.pid);
  if (liveness(h.id) == Liveness::kUnknown) s += " on host " + h.id.host;
  return s;
}

}  // namespace

LockMode lock_mode_from_env() {
  const char* v = std::getenv("CXXIMPORT_LOCK_MODE");
  if (!v) return LockMode::kAuto;
  if (!std::strcmp(v, "file")) return LockMode::kExclusiveFile;
  if (!std::strcmp(v, "flock")) return LockMode::kFlock;
  return LockMode::kAuto;
}

std::unique_ptr<KeyLock> acquire_lock(const std::string& path, const std::string& what, LockMode mode,
                                      double timeout_seconds, const WaitCallback& on_wait, std::string* err,
                                      bool* timed_out) {
  if (timed_out) *timed_out = false;
  using Clock = std::chrono::steady_clock;
  const auto start = Clock::now();
  double next_report = 1.0;
  bool use_flock = mode != LockMode::kExclusiveFile;
  int fd = -1;
  std::string excl = path + ".excl", tmp;
  std::unique_ptr<KeyLock> result;

  auto cleanup = [&] {
    if (fd >= 0) ::close(fd);
    if (!tmp.empty()) ::unlink(tmp.c_str());
  };

  for (;;) {
    Holder holder;
    Attempt a;
    if (use_flock) {
      a = try_flock(path, &fd, &result, &holder, err);
      if (a == Attempt::kUnsupported) {
        if (mode == LockMode::kFlock) {
          *err = "cannot lock " + path + ": flock is not supported on this file system";
          cleanup();
          return nullptr;
        }
        use_flock = false;
        if (fd >= 0) ::close(fd);
        fd = -1;
        continue;
      }
    } else {
      if (tmp.empty()) {
        tmp = path + ".excl.tmp.XXXXXX";
        int tfd = ::mkostemp(tmp.data(), O_CLOEXEC);
        if (tfd < 0) {
          *err = "cannot create " + tmp + ": " + std::strerror(errno);
          tmp.clear();
          return nullptr;
        }
        bool ok = ::fchmod(tfd, 0600) == 0 && write_all(tfd, format_identity(self_identity()));
        ::close(tfd);
        if (!ok) {
          *err = "cannot write " + tmp;
          cleanup();
          return nullptr;
        }
      }
      a = try_exclusive(excl, tmp, &result, &holder, err);
    }
    if (a == Attempt::kAcquired) {
      cleanup();
      return result;
    }
    if (a == Attempt::kError) {
      cleanup();
      return nullptr;
    }
    double waited = std::chrono::duration<double>(Clock::now() - start).count();
    if (timeout_seconds >= 0 && waited >= timeout_seconds) {
      char secs[32];
      std::snprintf(secs, sizeof secs, "%.1f", waited);
      *err = "timed out after " + std::string(secs) + " s waiting for the build lock of " + what + ", held by " +
             describe_holder(holder) + " (lock file " + (use_flock ? path : excl) + ")";
      if (timed_out) *timed_out = true;
      cleanup();
      return nullptr;
    }
    if (on_wait && waited >= next_report) {
      on_wait(holder.id.pid, waited);
      while (next_report <= waited) next_report += 1.0;
    }
    auto sleep = kPollInterval;
    if (timeout_seconds >= 0) {
      auto left = std::chrono::duration<double>(timeout_seconds - waited);
      if (left < sleep)
        sleep = std::chrono::duration_cast<std::chrono::milliseconds>(left) + std::chrono::milliseconds(1);
    }
    std::this_thread::sleep_for(sleep);
  }
}

int lock_holder_pid(const std::string& path) {
  ProcessIdentity id;
  for (const std::string& p : {path, path + ".excl"}) {
    std::string text = read_text(p, nullptr);
    if (parse_identity(text, &id)) return id.pid;
  }
  return 0;
}

}  // namespace cxximport::cache
