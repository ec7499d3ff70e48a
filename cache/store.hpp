// The versioned cache store: where entries live, how a hit is validated, how
// a build is locked and published. The grammar of the on-disk format is in
// cache/manifest.hpp and docs/cache.md.
//
// Layout under the root (created 0700, owned by the current user): every
// path is named in cache/layout.hpp. Details, and the rules for what is a hit, are in docs/cache.md. In short:
// - <variant> is the first 16 hex digits of a hash of the sorted (path, hash)
//   header list, so several header sets of one key coexist.
// - Last use (for prune's LRU order) is the mtime of the variant directory,
//   bumped by lookup with futimens when older than a minute; the entry's
//   files are never modified after publication.
// - A build directory holds a `builder` file (pid, start time, boot id, host);
//   open() removes build directories whose builder is dead, and any
//   `trash.*` directory left by an interrupted removal.
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
#include "cache/miss.hpp"

namespace cxximport::cache {

struct Hit {
  std::string entry_dir;
  std::string so_path;
  // The validated shared object's identity: the loader checks that the file
  // it opens to load is this one (docs/cache.md, "Security").
  std::uint64_t so_dev = 0, so_ino = 0;
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
  // A relative root is made absolute against the current directory.
  explicit Store(std::string root);

  // The one cache-root rule (Python asks it through _core.default_cache_dir):
  // $CXXIMPORT_CACHE_DIR (a leading ~ expanded, made absolute against the
  // current directory), else $XDG_CACHE_HOME/cxximport when that is absolute,
  // else $HOME/.cache/cxximport (HOME from getpwuid when unset); empty vars
  // are ignored.
  static std::string default_root();

  // When the preferred root cannot be used (open failed with message why):
  // opens a private cache under $TMPDIR (else /tmp) named
  // cxximport-<uid>-XXXXXX (mkdtemp, 0700), reusing one from an earlier
  // process when it exists and is ours, private and not a symlink. *warning is
  // a one-line text to show the user once.
  static bool open_private_fallback(const std::string& why, Store* out, std::string* warning, std::string* err);

  // Creates the root (0700) and the versioned layout. Refuses a root that is
  // not owned by the current user (or root) or is writable by group/others,
  // and a root with an ancestor someone else could replace
  // (fs::secure_parent; the root's path is then the resolved one). A root we
  // cannot write that holds a v1/entries tree opens read-only: lookups work,
  // lock/make_build_dir/publish must not be called. On a read-only file
  // system (nobody can change it) entries of any owner are served.
  bool open(std::string* err);
  const std::string& root() const { return root_; }
  bool read_only() const { return read_only_; }

  // True when a valid entry for key exists: manifest parses, format version
  // known, shared object present with the recorded size and hash, entry owned
  // by us and not group/other-writable, no symlinks, and every recorded header
  // unchanged (headers_match). Otherwise false with why in *miss: of the
  // most recently used header set, or of one that was refused.
  bool lookup(const std::string& key, Hit* hit, Miss* miss);

  // The key fields of the last build of source (a small memo file per
  // source, written atomically; only when they changed), and, for a miss
  // that found nothing under its key, what differs from them now: the miss
  // becomes kKeyChanged ("numpy 2.1.0 -> 2.2.0"). Both best effort.
  void remember_key_fields(const std::string& source, const KeyFields& fields);
  void explain_miss(const std::string& source, const KeyFields& now, Miss* miss) const;

  // Blocks until this process holds the build lock for key; nullptr on
  // failure, with *timed_out (when given) set if the wait timed out.
  std::unique_ptr<KeyLock> lock(const std::string& key, double timeout_seconds, const WaitCallback& on_wait,
                                std::string* err, bool* timed_out = nullptr);

  // A fresh private (0700) directory inside the cache for building key.
  bool make_build_dir(const std::string& key, std::string* dir, std::string* err);

  // Fills the shared object's size/hash, created time and the headers' stat
  // tuples (taken now, for headers still holding the recorded content) into manifest,
  // writes it into build_dir and renames build_dir into place atomically.
  // durable fsyncs the manifest first; install() (a remote hit, cheaper to
  // fetch again than a build) does without it: docs/cache.md, "Integrity".
  bool publish(const std::string& build_dir, Manifest manifest, Hit* hit, std::string* err, bool durable = true);

  // Removes a build directory that will not be published. Keeps its log as
  // failed_log_path(key) first when keep_log is set.
  void discard(const std::string& build_dir, const std::string& key, bool keep_log);
  std::string failed_log_path(const std::string& key) const;

  // Persistent counters: "hit", "miss", "build", "build_failed".
  void count(std::string_view stat);

  // Removes build directories whose builder is dead (or, without a readable
  // builder file, older than an hour; on another host, older than a day)
  // and leftover trash.* directories. Called by open(). Returns how many.
  int remove_stale_build_dirs(std::int64_t now);

  // True when every header the manifest records is unchanged and no
  // recorded `absent` path exists (on this machine); else why. A header
  // whose size, mtime, ctime and inode are the recorded ones, recorded more
  // than a clock tick after its last change, is not read (ccache's direct
  // mode); any other is hashed.
  static bool headers_match(const Manifest& m, Miss* miss);

  // An entry built elsewhere (a remote cache: docs/cache.md, "Remote
  // cache"), given as its files (plain names -> bytes, `manifest` among
  // them). Checked like a build's output (the manifest parses and records
  // key, the shared object has the recorded size and XXH3-128, the headers
  // match on this machine) and then published by publish(), atomically. On
  // failure nothing is published and *err says why; *other_headers (when
  // given) tells a sound entry built against headers this machine does not
  // have (not usable here, not an error of the store) from a refused one.
  using EntryFiles = std::vector<std::pair<std::string, std::string>>;
  bool install(const std::string& key, const EntryFiles& files, Hit* hit, std::string* err,
               bool* other_headers = nullptr);

  // The files of the valid entry of key that another machine needs to load
  // it (manifest, shared object, .pyi): what install() takes.
  bool export_entry(const std::string& key, EntryFiles* files, std::string* err);

  // The variant directory name of a manifest's header set (16 hex digits).
  static std::string variant_name(const Manifest& m);

  // Moves an entry directory (or any directory inside the cache) to a fresh
  // trash.* directory in tmp/, then deletes it: readers see the entry or
  // nothing, and processes that already mapped its files keep working.
  bool remove_entry(const std::string& entry_dir, std::string* err);

  std::string entries_dir() const;  // layout::entries_dir
  std::string tmp_dir() const;      // layout::tmp_dir
  std::string stats_path() const;   // layout::stats_file

 private:
  bool is_build_dir(const std::string& dir) const;
  // Fills the stat tuple of every header whose content is still the hashed
  // one, the file unchanged across the hash (stat before and after).
  static void record_header_stats(Manifest* m);

  std::string root_;
  bool read_only_ = false;
  bool sealed_ = false;  // on a read-only file system: entries of any owner are served
};

}  // namespace cxximport::cache
