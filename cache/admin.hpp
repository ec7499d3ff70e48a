// Administration of a cache root, for the `cxximport cache ...` CLI (wired to
// Python in src/python/): list, info, clean, prune. Every function takes the
// root directory (e.g. Store::default_root()), returns bool + err, and never
// throws. A root that does not exist is an empty cache, not an error; a root
// that exists but is not ours (or is group/other-writable, or a symlink) is
// refused, like Store::open.
//
// Removal is safe while other processes use the cache: an entry is first
// renamed into v1/tmp/trash.* (atomic: lookups see the whole entry or
// nothing), then deleted; a process that already loaded its shared object
// keeps working (Linux keeps an unlinked mapped file alive).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace cxximport::cache {

struct EntryInfo {
  std::string module;            // from the manifest ("" when it does not parse)
  std::string source;            // absolute path of the .cxxpyx
  std::string key;               // 32 hex digits
  std::string variant;           // 16 hex digits (the header set)
  std::string entry_dir;         // absolute
  std::uint64_t size_bytes = 0;  // all regular files of the entry
  std::int64_t created = 0;      // unix seconds (manifest; else directory ctime)
  std::int64_t last_used = 0;    // unix seconds (variant directory mtime)
  std::string problem;           // "" when the manifest parses; else why (prune removes these)
};

// Every entry, sorted by module then last use (most recent first).
bool list_entries(const std::string& root, std::vector<EntryInfo>* entries, std::string* err);

struct CacheInfo {
  std::string location;  // the root
  std::uint64_t entries = 0;
  std::uint64_t total_bytes = 0;  // entries only
  std::uint64_t tmp_bytes = 0;    // build directories in progress or left over
  std::uint64_t failed_logs = 0;  // v1/failed/*.log
  std::uint64_t hits = 0, misses = 0, builds = 0, build_failures = 0;
  std::map<std::string, std::uint64_t> counters;  // every counter in v1/stats
};

bool cache_info(const std::string& root, CacheInfo* info, std::string* err);

// Removes every entry of module (all entries when module is empty; then also
// failed build logs, lock files nobody holds and dead build directories).
// *removed counts entries. Counters are kept.
bool clean(const std::string& root, const std::string& module, std::uint64_t* removed, std::string* err);

struct PruneResult {
  std::uint64_t removed_entries = 0, removed_bytes = 0;
  std::uint64_t kept_entries = 0, kept_bytes = 0;
};

// Removes, least recently used first: entries whose manifest does not parse;
// entries unused for more than older_than_seconds (0 = no age limit); then
// entries until the total is at most max_size_bytes (0 = no size limit).
// Also removes dead build directories. now is the current unix time.
bool prune(const std::string& root, std::uint64_t max_size_bytes, std::int64_t older_than_seconds, std::int64_t now,
           PruneResult* result, std::string* err);

// The automatic size cap (the `max_size` option): when the entries exceed
// max_size_bytes, removes the least recently used ones, never keep_entry_dir
// (the entry about to be loaded), until they take at most 90% of it (so the
// next builds do not prune again at once). Called after each build.
bool prune_to_fit(const std::string& root, std::uint64_t max_size_bytes, const std::string& keep_entry_dir,
                  PruneResult* result, std::string* err);

}  // namespace cxximport::cache
