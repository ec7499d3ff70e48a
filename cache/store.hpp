// The versioned cache store: where entries live, how a hit is validated, how
// a build is locked and published. The grammar of the on-disk format is in
// cache/manifest.hpp and docs/cache.md.
//
// Layout under the root (created 0700, owned by the current user):
//   v1/entries/<key>/<variant>/    one immutable entry: manifest + <module><EXT_SUFFIX> + build files
//   v1/tmp/<random>/               private build directories, renamed into entries/ on publish
//   v1/locks/<key>.lock            per-key flock files (the kernel releases them when the holder dies)
//   v1/failed/<key>.log            log of the last failed build of a key (nothing is published)
//   v1/stats                       counters
// <key> covers every input except the user headers the compiler read; a
// <variant> is one set of header contents (the manifest lists them, with
// hashes), as in ccache's direct mode.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "cache/manifest.hpp"

namespace cxximport::cache {

struct Hit {
  std::string entry_dir;
  std::string so_path;
  Manifest manifest;
};

// Called about once a second while another process holds the lock.
using WaitCallback = std::function<void(int holder_pid, double waited_seconds)>;

// Held build lock; released by the destructor, and by the kernel if the process dies.
class KeyLock {
 public:
  virtual ~KeyLock() = default;
};

class Store {
 public:
  explicit Store(std::string root);

  // Creates the root (0700) and the versioned layout. Refuses a root that is
  // not owned by the current user or is writable by group/others.
  bool open(std::string* err);
  const std::string& root() const { return root_; }

  // True when a valid entry for key exists: manifest parses, format version
  // known, shared object present with the recorded size and hash, entry owned
  // by us and not group/other-writable, no symlinks, and every recorded header
  // still hashes the same. Otherwise false with the reason in *why_not.
  bool lookup(const std::string& key, Hit* hit, std::string* why_not);

  // Blocks until this process holds the build lock for key.
  std::unique_ptr<KeyLock> lock(const std::string& key, double timeout_seconds,
                                const WaitCallback& on_wait, std::string* err);

  // A fresh private (0700) directory inside the cache for building key.
  bool make_build_dir(const std::string& key, std::string* dir, std::string* err);

  // Fills the shared object's size/hash and created time into manifest,
  // writes it into build_dir and renames build_dir into place atomically.
  bool publish(const std::string& build_dir, Manifest manifest, Hit* hit, std::string* err);

  // Removes a build directory that will not be published. Keeps its log as
  // failed_log_path(key) first when keep_log is set.
  void discard(const std::string& build_dir, const std::string& key, bool keep_log);
  std::string failed_log_path(const std::string& key) const;

  // Persistent counters: "hit", "miss", "build", "build_failed".
  void count(std::string_view stat);

 private:
  std::string root_;
};

}  // namespace cxximport::cache
