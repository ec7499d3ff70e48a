// Store::install and Store::export_entry: moving one entry between this
// store and another machine's (a remote cache), as its files. The checks are
// those of a lookup; the publication is publish()'s, so a remote hit becomes
// an ordinary local entry, atomically.
#include <cerrno>
#include <cstring>
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cache/fs_util.hpp"
#include "cache/store.hpp"
#include "util/hash.hpp"

namespace cxximport::cache {

namespace {

constexpr std::size_t kMaxFiles = 16;
constexpr std::size_t kMaxManifestBytes = 16 << 20;

bool plain_file_name(const std::string& s) {
  return !s.empty() && s != "." && s != ".." && s.size() <= 255 && s.find('/') == std::string::npos &&
         s.find('\0') == std::string::npos && s.find('\n') == std::string::npos;
}

bool ends_with(const std::string& s, const char* suffix) {
  std::size_t n = std::strlen(suffix);
  return s.size() >= n && s.compare(s.size() - n, n, suffix) == 0;
}

bool read_regular(int dirfd, const std::string& name, const std::string& path, std::string* out, std::string* err) {
  int fd = ::openat(dirfd, name.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) {
    *err = path + ": " + std::strerror(errno);
    return false;
  }
  struct stat st;
  bool ok = ::fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && fs::read_fd(fd, out, err);
  ::close(fd);
  if (!ok && err->empty()) *err = path + ": not a regular file";
  return ok;
}

}  // namespace

bool Store::install(const std::string& key, const EntryFiles& files, Hit* hit, std::string* err, bool* other_headers) {
  if (other_headers) *other_headers = false;
  if (!is_hex32(key)) {
    *err = "invalid key '" + key + "'";
    return false;
  }
  if (files.size() > kMaxFiles) {
    *err = "an entry has at most " + std::to_string(kMaxFiles) + " files, not " + std::to_string(files.size());
    return false;
  }
  const std::string* manifest_text = nullptr;
  for (const auto& [name, content] : files) {
    if (!plain_file_name(name)) {
      *err = "entry file name is not a plain file name: '" + name + "'";
      return false;
    }
    // The builder file is this machine's record of who built a directory.
    if (name == "builder") {
      *err = "an entry from elsewhere cannot carry a 'builder' file";
      return false;
    }
    if (name == "manifest") manifest_text = &content;
  }
  if (!manifest_text) {
    *err = "the entry has no manifest";
    return false;
  }
  if (manifest_text->size() > kMaxManifestBytes) {
    *err = "the manifest is too large";
    return false;
  }
  Manifest m;
  if (!parse_manifest(*manifest_text, &m, err)) return false;
  if (m.key != key) {
    *err = "the manifest records key " + m.key + ", expected " + key;
    return false;
  }
  if (!validate_manifest(m, false, err)) return false;
  const std::string* so = nullptr;
  for (const auto& [name, content] : files)
    if (name == m.so_name) so = &content;
  if (!so) {
    *err = "the entry has no shared object " + m.so_name;
    return false;
  }
  if (so->size() != m.so_size) {
    *err = "the shared object has " + std::to_string(so->size()) + " bytes, the manifest records " +
           std::to_string(m.so_size) + " (truncated or altered)";
    return false;
  }
  if (hash_bytes(*so) != m.so_hash) {
    *err = "the shared object's XXH3-128 differs from the manifest (corrupt or altered)";
    return false;
  }
  // Another machine's stat tuples say nothing of this one's files: every
  // header is hashed (and publish() records this machine's tuples).
  for (HeaderDigest& h : m.headers) h.has_stat = false;
  Miss why;
  if (!headers_match(m, &why)) {
    *err = "built against other headers than this machine has: " + describe(why);
    if (other_headers) *other_headers = true;
    return false;
  }

  std::string dir;
  if (!make_build_dir(key, &dir, err)) return false;
  for (const auto& [name, content] : files) {
    if (name == "manifest") continue;  // publish() writes it
    mode_t mode = name == m.so_name ? 0700 : 0600;
    if (!fs::write_file_atomic(fs::join(dir, name), content, mode, err, false)) {
      discard(dir, key, false);
      return false;
    }
  }
  // Not durable: after a power cut a torn manifest is a miss (every lookup
  // checks it and the shared object's hash), and the entry is fetched again.
  if (!publish(dir, m, hit, err, false)) {
    discard(dir, key, false);
    return false;
  }
  return true;
}

bool Store::export_entry(const std::string& key, EntryFiles* files, std::string* err) {
  files->clear();
  Hit hit;
  Miss why;
  if (!lookup(key, &hit, &why)) {
    *err = "no valid entry for key " + key + ": " + describe(why);
    return false;
  }
  int dfd = ::open(hit.entry_dir.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (dfd < 0) {
    *err = hit.entry_dir + ": " + std::strerror(errno);
    return false;
  }
  std::vector<std::string> names = {"manifest", hit.manifest.so_name};
  if (DIR* d = ::fdopendir(::dup(dfd))) {
    while (struct dirent* e = ::readdir(d))
      if (ends_with(e->d_name, ".pyi")) names.push_back(e->d_name);
    ::closedir(d);
  }
  bool ok = true;
  for (const std::string& name : names) {
    std::string content;
    if (!read_regular(dfd, name, fs::join(hit.entry_dir, name), &content, err)) {
      ok = false;
      break;
    }
    files->emplace_back(name, std::move(content));
  }
  ::close(dfd);
  // The shared object may have changed between lookup and read: check again.
  if (ok && hash_bytes((*files)[1].second) != hit.manifest.so_hash) {
    *err = hit.entry_dir + ": the shared object changed while it was read";
    ok = false;
  }
  return ok;
}

}  // namespace cxximport::cache
