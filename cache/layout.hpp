// Every path inside a cache root, and the layout's version: the one place
// that knows the on-disk tree (docs/cache.md, "Layout").
//
//   <root>/v<kLayoutVersion>/
//     entries/<key>/<variant>/   one immutable entry (cache/manifest.hpp)
//     tmp/                       build directories and trash.* being deleted
//     locks/<key>.lock           per-key build locks
//     failed/<key>.log           log of the last failed build of a key
//     stats                      counters
//     compilers/                 memo files: compiler identities, runtime tree hashes
//     sources/<hash16>           memo file: the key fields of the last build of one source
//
// Version history (a new version is a new directory; old ones are ignored):
//   Version 1: first layout.
#pragma once

#include <string>
#include <vector>

namespace cxximport::cache::layout {

inline constexpr int kLayoutVersion = 1;

std::string version_dir(const std::string& root);  // <root>/v1
std::string entries_dir(const std::string& root);
std::string tmp_dir(const std::string& root);
std::string locks_dir(const std::string& root);
std::string lock_file(const std::string& root, const std::string& key);
std::string failed_dir(const std::string& root);
std::string failed_log(const std::string& root, const std::string& key);
std::string stats_file(const std::string& root);
std::string memo_dir(const std::string& root);  // compilers/
std::string sources_dir(const std::string& root);
// The memo of one source's last build, named by a hash of its absolute path.
std::string source_memo(const std::string& root, const std::string& source);

// The directories Store::open creates, parents first.
std::vector<std::string> directories(const std::string& root);

}  // namespace cxximport::cache::layout
