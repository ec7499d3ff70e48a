#include "util/hash.hpp"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <unistd.h>

#define XXH_INLINE_ALL
#include <xxhash.h>

namespace cxximport {

namespace {
XXH3_state_t* st(void* p) { return static_cast<XXH3_state_t*>(p); }
}  // namespace

Hasher::Hasher() : state_(XXH3_createState()) { XXH3_128bits_reset(st(state_)); }
Hasher::~Hasher() { XXH3_freeState(st(state_)); }

Hasher& Hasher::field(std::string_view tag, std::string_view value) {
  std::uint64_t lens[2] = {tag.size(), value.size()};
  XXH3_128bits_update(st(state_), lens, sizeof lens);
  XXH3_128bits_update(st(state_), tag.data(), tag.size());
  XXH3_128bits_update(st(state_), value.data(), value.size());
  return *this;
}

Hasher& Hasher::field(std::string_view tag, std::int64_t value) { return field(tag, std::to_string(value)); }

Hasher& Hasher::raw(const void* data, std::size_t size) {
  XXH3_128bits_update(st(state_), data, size);
  return *this;
}

std::string Hasher::hex() const {
  XXH128_hash_t h = XXH3_128bits_digest(st(state_));
  char buf[33];
  std::snprintf(buf, sizeof buf, "%016llx%016llx", static_cast<unsigned long long>(h.high64),
                static_cast<unsigned long long>(h.low64));
  return buf;
}

std::string hash_bytes(std::string_view data) {
  Hasher h;
  h.raw(data.data(), data.size());
  return h.hex();
}

bool hash_fd(int fd, std::string* hex, std::string* err) {
  Hasher h;
  char buf[1 << 16];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      *err = std::strerror(errno);
      return false;
    }
    if (n == 0) break;
    h.raw(buf, static_cast<std::size_t>(n));
  }
  *hex = h.hex();
  return true;
}

bool hash_file(const std::string& path, std::string* hex, std::string* err) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    *err = path + ": " + std::strerror(errno);
    return false;
  }
  bool ok = hash_fd(fd, hex, err);
  ::close(fd);
  if (!ok) *err = path + ": " + *err;
  return ok;
}

}  // namespace cxximport
