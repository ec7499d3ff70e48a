// Helpers for the cache tests: real temporary directories and files.
#pragma once

#include <cstdlib>
#include <dirent.h>
#include <vector>
#include <fcntl.h>
#include <string>
#include <sys/stat.h>
#include <unistd.h>

#include "cache/fs_util.hpp"
#include "cache/store.hpp"
#include "util/hash.hpp"

namespace cachetest {

struct TempDir {
  std::string path;
  TempDir() {
    char tmpl[] = "/tmp/cxximport-test-XXXXXX";
    path = ::mkdtemp(tmpl);
  }
  ~TempDir() {
    std::string err;
    cxximport::cache::fs::remove_tree(path, &err);
  }
  std::string operator/(const std::string& name) const { return path + "/" + name; }
};

inline bool write_file(const std::string& path, const std::string& content, mode_t mode = 0600) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
  if (fd < 0) return false;
  bool ok = ::write(fd, content.data(), content.size()) == static_cast<ssize_t>(content.size());
  ::close(fd);
  return ok;
}

inline std::string read_file(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return "";
  std::string out, err;
  cxximport::cache::fs::read_fd(fd, &out, &err);
  ::close(fd);
  return out;
}

inline bool exists(const std::string& path) {
  struct stat st;
  return ::lstat(path.c_str(), &st) == 0;
}

inline std::string key_n(int n) {
  std::string k = "0123456789abcdef0123456789abcde0";
  k[31] = "0123456789abcdef"[n % 16];
  k[30] = "0123456789abcdef"[(n / 16) % 16];
  return k;
}

// A manifest for module `mod` whose headers are the given files (hashed now).
inline cxximport::cache::Manifest make_manifest(const std::string& key, const std::string& mod,
                                                const std::vector<std::string>& headers = {}) {
  cxximport::cache::Manifest m;
  m.module = mod;
  m.source = "/src/" + mod + ".cxxpyx";
  m.key = key;
  m.so_name = mod + ".cpython-311-x86_64-linux-gnu.so";
  for (const std::string& h : headers) {
    std::string hex, err;
    cxximport::hash_file(h, &hex, &err);
    m.headers.push_back({h, hex});
  }
  return m;
}

// make_build_dir + a fake shared object + publish.
inline bool build_and_publish(cxximport::cache::Store& store, const cxximport::cache::Manifest& m,
                              cxximport::cache::Hit* hit, const std::string& so_content = "ELF...so") {
  std::string dir, err;
  if (!store.make_build_dir(m.key, &dir, &err)) return false;
  write_file(dir + "/" + m.so_name, so_content, 0755);
  write_file(dir + "/build.log", "ok\n");
  return store.publish(dir, m, hit, &err);
}

}  // namespace cachetest
