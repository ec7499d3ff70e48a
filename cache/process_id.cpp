#include "cache/process_id.hpp"

#include <cerrno>
#include <charconv>
#include <csignal>
#include <cstdio>
#include <fcntl.h>
#include <unistd.h>

namespace cxximport::cache {

namespace {

std::string read_small(const char* path) {
  int fd = ::open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return "";
  char buf[1024];
  ssize_t n;
  do n = ::read(fd, buf, sizeof buf);
  while (n < 0 && errno == EINTR);
  ::close(fd);
  return n > 0 ? std::string(buf, static_cast<size_t>(n)) : "";
}

std::string trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

// Reads state and start time of pid from /proc; false when it does not exist.
bool proc_stat(int pid, char* state, std::uint64_t* start) {
  char path[64];
  std::snprintf(path, sizeof path, "/proc/%d/stat", pid);
  std::string s = read_small(path);
  size_t close = s.rfind(')');
  if (close == std::string::npos || close + 2 >= s.size()) return false;
  // After ") ": field 3 is the state; the start time is field 22.
  std::string_view rest = std::string_view(s).substr(close + 2);
  *state = rest[0];
  int field = 3;
  size_t pos = 0;
  while (field < 22) {
    pos = rest.find(' ', pos);
    if (pos == std::string_view::npos) return false;
    ++pos;
    ++field;
  }
  size_t end = rest.find(' ', pos);
  std::string_view num = rest.substr(pos, end == std::string_view::npos ? rest.size() - pos : end - pos);
  std::from_chars(num.data(), num.data() + num.size(), *start);
  return true;
}

const std::string& boot_id() {
  static const std::string id = trim(read_small("/proc/sys/kernel/random/boot_id"));
  return id;
}

const std::string& host_name() {
  static const std::string name = [] {
    char buf[256] = {0};
    if (::gethostname(buf, sizeof buf - 1) != 0) return std::string("unknown");
    std::string s(buf);
    for (char& c : s)
      if (c == ' ' || c == '\n') c = '_';
    return s;
  }();
  return name;
}

}  // namespace

ProcessIdentity self_identity() {
  ProcessIdentity id;
  id.pid = static_cast<int>(::getpid());
  char state = 0;
  proc_stat(id.pid, &state, &id.start_time);
  id.boot_id = boot_id().empty() ? "none" : boot_id();
  id.host = host_name();
  return id;
}

std::string format_identity(const ProcessIdentity& id) {
  return "pid=" + std::to_string(id.pid) + " start=" + std::to_string(id.start_time) + " boot=" + id.boot_id +
         " host=" + id.host + "\n";
}

bool parse_identity(std::string_view text, ProcessIdentity* id) {
  *id = ProcessIdentity();
  if (text.empty() || text.back() != '\n') return false;  // partially written
  text.remove_suffix(1);
  bool have[4] = {false, false, false, false};
  while (!text.empty()) {
    size_t sp = text.find(' ');
    std::string_view item = text.substr(0, sp);
    text = sp == std::string_view::npos ? std::string_view() : text.substr(sp + 1);
    size_t eq = item.find('=');
    if (eq == std::string_view::npos) return false;
    std::string_view k = item.substr(0, eq), v = item.substr(eq + 1);
    if (k == "pid") {
      auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), id->pid);
      if (ec != std::errc() || p != v.data() + v.size() || id->pid <= 0) return false;
      have[0] = true;
    } else if (k == "start") {
      auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), id->start_time);
      if (ec != std::errc() || p != v.data() + v.size()) return false;
      have[1] = true;
    } else if (k == "boot") {
      id->boot_id = v;
      have[2] = true;
    } else if (k == "host") {
      id->host = v;
      have[3] = true;
    }
  }
  return have[0] && have[1] && have[2] && have[3];
}

Liveness liveness(const ProcessIdentity& id) {
  if (id.host != host_name()) return Liveness::kUnknown;
  std::string mine = boot_id().empty() ? "none" : boot_id();
  if (id.boot_id != mine) return Liveness::kDead;
  char state = 0;
  std::uint64_t start = 0;
  if (proc_stat(id.pid, &state, &start)) {
    if (state == 'Z' || state == 'X') return Liveness::kDead;
    if (id.start_time != 0 && start != id.start_time) return Liveness::kDead;
    return Liveness::kAlive;
  }
  if (::kill(id.pid, 0) == 0 || errno == EPERM) return Liveness::kAlive;
  return Liveness::kDead;
}

}  // namespace cxximport::cache
