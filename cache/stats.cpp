#include "cache/stats.hpp"

#include <cerrno>
#include <charconv>
#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include "cache/fs_util.hpp"

namespace cxximport::cache {

namespace {

std::map<std::string, std::uint64_t> parse(std::string_view text) {
  std::map<std::string, std::uint64_t> out;
  while (!text.empty()) {
    size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
    size_t sp = line.find(' ');
    if (sp == std::string_view::npos || sp == 0) continue;
    std::uint64_t v = 0;
    std::string_view num = line.substr(sp + 1);
    auto [p, ec] = std::from_chars(num.data(), num.data() + num.size(), v);
    if (ec != std::errc() || p != num.data() + num.size()) continue;
    out[std::string(line.substr(0, sp))] += v;
  }
  return out;
}

bool valid_name(std::string_view name) {
  if (name.empty()) return false;
  for (char c : name)
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_')) return false;
  return true;
}

int flock_retry(int fd, int op) {
  int r;
  do r = ::flock(fd, op);
  while (r != 0 && errno == EINTR);
  return r;
}

}  // namespace

bool add_counter(const std::string& path, std::string_view name, std::uint64_t delta) {
  if (!valid_name(name)) return false;
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0) return false;
  flock_retry(fd, LOCK_EX);  // unsupported: carry on unlocked
  std::string text, err;
  bool ok = fs::read_fd(fd, &text, &err);
  if (ok) {
    auto counters = parse(text);
    counters[std::string(name)] += delta;
    std::string out;
    for (const auto& [k, v] : counters) out += k + " " + std::to_string(v) + "\n";
    ok = ::pwrite(fd, out.data(), out.size(), 0) == static_cast<ssize_t>(out.size()) &&
         ::ftruncate(fd, static_cast<off_t>(out.size())) == 0;
  }
  ::close(fd);  // releases the lock
  return ok;
}

std::map<std::string, std::uint64_t> read_counters(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0) return {};
  flock_retry(fd, LOCK_SH);
  std::string text, err;
  fs::read_fd(fd, &text, &err);
  ::close(fd);
  return parse(text);
}

}  // namespace cxximport::cache
