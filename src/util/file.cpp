#include "util/file.hpp"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <fcntl.h>
#include <sstream>
#include <sys/stat.h>
#include <unistd.h>

namespace cxximport {

bool read_file(const std::string& path, std::string* out, std::string* err) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    *err = "cannot read " + path + ": " + std::strerror(errno);
    return false;
  }
  std::ostringstream ss;
  ss << in.rdbuf();
  if (in.bad()) {
    *err = "cannot read " + path;
    return false;
  }
  *out = ss.str();
  return true;
}

bool write_file(const std::string& path, std::string_view text, std::string* err) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(text.data(), static_cast<std::streamsize>(text.size()));
  out.close();
  if (!out) {
    *err = "cannot write " + path;
    return false;
  }
  return true;
}

bool write_file_atomic(const std::string& path, std::string_view content, mode_t mode, std::string* err, bool durable) {
  std::string tmp = path + ".tmp.XXXXXX";
  int fd = ::mkostemp(tmp.data(), O_CLOEXEC);
  if (fd < 0) {
    *err = "cannot create " + tmp + ": " + std::strerror(errno);
    return false;
  }
  bool ok = ::fchmod(fd, mode) == 0;
  size_t off = 0;
  while (ok && off < content.size()) {
    ssize_t n = ::write(fd, content.data() + off, content.size() - off);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0)
      ok = false;
    else
      off += static_cast<size_t>(n);
  }
  if (ok && durable) ok = ::fsync(fd) == 0;
  if (!ok) *err = "cannot write " + tmp + ": " + std::strerror(errno);
  ::close(fd);
  if (ok && ::rename(tmp.c_str(), path.c_str()) != 0) {
    *err = "cannot rename to " + path + ": " + std::strerror(errno);
    ok = false;
  }
  if (!ok) ::unlink(tmp.c_str());
  return ok;
}

}  // namespace cxximport
