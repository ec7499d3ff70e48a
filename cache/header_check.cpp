// Header validation: the stat fast path and its race rule (docs/cache.md,
// "Header validation: the stat fast path").
#include <cerrno>
#include <cstring>
#include <ctime>
#include <sys/stat.h>

#include "cache/store.hpp"
#include "util/hash.hpp"

namespace cxximport::cache {

namespace {

bool miss_with(MissKind kind, const std::string& path, const std::string& detail, Miss* miss) {
  miss->kind = kind;
  miss->path = path;
  miss->detail = detail;
  return false;
}

// A stat tuple is trusted only when the header's ctime is older than the
// moment the tuple was taken by more than this: a file's timestamps come
// from a coarse clock (a kernel tick, a second on some file systems), so an
// edit in the same tick as the record could leave size, mtime, ctime and
// inode all unchanged. Such a header is re-hashed on every lookup instead.
constexpr std::int64_t kStatRaceMarginNs = 1'000'000'000;

std::int64_t ns(const struct timespec& t) { return static_cast<std::int64_t>(t.tv_sec) * 1'000'000'000 + t.tv_nsec; }

HeaderStat header_stat(const struct stat& st) {
  return {static_cast<std::uint64_t>(st.st_size), static_cast<std::uint64_t>(st.st_ino), ns(st.st_mtim),
          ns(st.st_ctim)};
}

std::int64_t now_ns() {
  struct timespec t;
  ::clock_gettime(CLOCK_REALTIME, &t);
  return ns(t);
}

}  // namespace

void Store::record_header_stats(Manifest* m) {
  m->stat_taken_ns = now_ns();
  for (HeaderDigest& h : m->headers) {
    h.has_stat = false;
    struct stat before, after;
    std::string hex, err;
    if (::stat(h.path.c_str(), &before) != 0 || !S_ISREG(before.st_mode) || !hash_file(h.path, &hex, &err) ||
        ::stat(h.path.c_str(), &after) != 0 || hex != h.hash || !(header_stat(before) == header_stat(after)))
      continue;
    h.has_stat = true;
    h.stat = header_stat(before);
  }
}

bool Store::headers_match(const Manifest& m, Miss* miss) {
  std::string err;
  for (const HeaderDigest& h : m.headers) {
    struct stat st;
    if (::stat(h.path.c_str(), &st) != 0)
      return miss_with(MissKind::kHeaderGone, h.path, std::string("header is gone (") + std::strerror(errno) + ")",
                       miss);
    // The fast path: same size, mtime, ctime and inode, recorded safely
    // after the last change (kStatRaceMarginNs), is the same content.
    if (h.has_stat && header_stat(st) == h.stat && h.stat.ctime_ns < m.stat_taken_ns - kStatRaceMarginNs) continue;
    std::string hex;
    if (!hash_file(h.path, &hex, &err))
      return miss_with(MissKind::kHeaderGone, h.path, "header is gone (" + err + ")", miss);
    if (hex != h.hash) return miss_with(MissKind::kStaleHeader, h.path, "header changed", miss);
  }
  for (const std::string& a : m.absent) {
    struct stat ast;
    if (lstat(a.c_str(), &ast) == 0)
      return miss_with(MissKind::kShadowedInclude, a, "new header shadows one the build used", miss);
  }
  return true;
}

}  // namespace cxximport::cache
