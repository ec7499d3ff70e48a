// The manifest of one cache entry: a small line-based text file named
// `manifest` at the top of every entry directory.
//
// Grammar (every line ends with '\n'; a value is the rest of its line after
// exactly one space, so paths may contain spaces but never '\n', '\r' or NUL):
//
//   manifest  := "cxximport-manifest " VERSION "\n" field* "end\n"
//   field     := "module "  TEXT "\n"          fully qualified module name
//              | "source "  PATH "\n"          absolute path of the .cxxpyx
//              | "key "     HEX32 "\n"         the entry's key
//              | "so_name " NAME "\n"          file name inside the entry (no '/')
//              | "so_size " DECIMAL "\n"       bytes of the shared object
//              | "so_hash " HEX32 "\n"         XXH3-128 of the shared object
//              | "created " INTEGER "\n"       unix seconds of publication
//              | "header "  HEX32 " " PATH "\n" one per header, hash first
//              | "absent "  PATH "\n"          an include candidate that must not exist
//              | "stat " SIZE " " MTIME " " CTIME " " INO " " PATH "\n"
//                                               a header's stat when it was hashed (ns times)
//              | "stat_taken " INTEGER "\n"    real time (ns) just before the stats were taken
//
// Every field except `header`, `absent`, `stat` and `stat_taken` appears
// exactly once, in any order; `header` and `absent` any number of times
// (never twice for one path); `stat` at most once per `header` path, and
// only with one `stat_taken` (the stat fast path of Store::headers_match).
// `absent` paths are where a header the build used would be found first if
// it appeared (an earlier directory of the include search path): a file
// appearing there shadows the recorded header, so the entry is a miss. HEX32 is 32
// lowercase hex digits; PATH is absolute. Parsing is strict: an unknown
// version, an unknown, missing or duplicated field, bad hex, a bad number,
// a missing `end` line or anything after it is an error with a reason, which
// the store treats as a miss.
//
// Version history (bump the layout's `v<N>/` directory, cache/layout.hpp,
// when an older reader would misread an entry; an addition older readers
// refuse needs only a new format version here):
//   Version 1: first format.
//   Version 2: optional `stat` and `stat_taken` lines. Version 1 manifests
//              are still read (their headers are validated by hash).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace cxximport::cache {

inline constexpr int kFormatVersion = 2;
inline constexpr int kOldestFormatVersion = 1;

// What stat(2) said of a header when it was hashed: while all four stay
// the same (and the race rule of Store::headers_match holds), the content
// is the one hashed, as in ccache's direct mode.
struct HeaderStat {
  std::uint64_t size = 0, ino = 0;
  std::int64_t mtime_ns = 0, ctime_ns = 0;
  bool operator==(const HeaderStat&) const = default;
};

struct HeaderDigest {
  std::string path;  // absolute
  std::string hash;  // XXH3-128 hex of the content
  bool has_stat = false;
  HeaderStat stat{};  // when has_stat
};

struct Manifest {
  std::string module;   // fully qualified module name
  std::string source;   // absolute path of the .cxxpyx
  std::string key;      // 32 hex digits
  std::string so_name;  // file name of the shared object inside the entry
  std::uint64_t so_size = 0;
  std::string so_hash;                // XXH3-128 hex of the shared object
  std::vector<HeaderDigest> headers;  // user headers read by the compile (depfile), plus `depends`
  std::vector<std::string> absent;    // include candidates that did not exist (shadowing checks)
  std::int64_t created = 0;           // unix seconds
  std::int64_t stat_taken_ns = 0;     // real time before the headers' stats were taken (0: none)
};

std::string format_manifest(const Manifest& m);
bool parse_manifest(const std::string& text, Manifest* m, std::string* err);

// Checks that m can be written and read back unchanged (no newlines in
// values, a plain so_name, 32-hex key and hashes, absolute paths). Fields
// filled in by Store::publish (so_size, so_hash, created) may still be empty
// when allow_unpublished is set.
bool validate_manifest(const Manifest& m, bool allow_unpublished, std::string* err);

// True for exactly 32 lowercase hex digits.
bool is_hex32(std::string_view s);

}  // namespace cxximport::cache
