// Why Store::lookup found no usable entry: a kind callers branch on, and the
// detail a person needs (which header, which owner, which key field). Shown
// by CXXIMPORT_VERBOSE, `cxximport cache info <module>` and NotCachedError.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace cxximport::cache {

enum class MissKind {
  kAbsent,           // nothing stored under the key
  kKeyChanged,       // nothing under the key, but the source was built before with other inputs
  kCorrupt,          // manifest or shared object damaged, truncated, of another format
  kForeignOwner,     // entry owned by another user: refused
  kUnsafe,           // a symlink, not a directory, or writable by group/others: refused
  kStaleHeader,      // a recorded header's content changed
  kHeaderGone,       // a recorded header no longer exists
  kShadowedInclude,  // a new header would now be included in place of a recorded one
  kUnreadable,       // an I/O error (permissions, ...)
  kInvalidKey,       // not a key at all
};

// A key field of the last build of a source and its value now.
struct FieldChange {
  std::string field, before, after;
};

struct Miss {
  MissKind kind = MissKind::kAbsent;
  std::string path;                  // the file concerned (header, manifest, entry); may be empty
  std::string detail;                // what is wrong with it, for people
  std::vector<FieldChange> changes;  // kKeyChanged: what differs from the last build
  int other_variants = 0;            // header sets of the key that also failed
};

// "absent", "key_changed", "corrupt", "foreign_owner", "unsafe",
// "stale_header", "header_gone", "shadowed_include", "unreadable", "invalid_key".
const char* miss_kind_name(MissKind kind);

// An entry was rejected for security (it is rebuilt, and the user warned).
bool refused(const Miss& miss);

// One line for people: "header /x/y.hpp changed", "numpy 2.1.0 -> 2.2.0", ...
std::string describe(const Miss& miss);

// The key fields of one build (name, value), as the core computes them
// (core::key_fields); values hold no newline.
using KeyFields = std::vector<std::pair<std::string, std::string>>;

// The fields that differ between two builds of one source, in `now`'s order
// (a field only one side has counts as changed).
std::vector<FieldChange> diff_key_fields(const KeyFields& before, const KeyFields& now);

// The memo file's text: "cxximport-source 1\n" then "name value" lines.
std::string format_key_fields(const KeyFields& fields);
bool parse_key_fields(const std::string& text, KeyFields* fields);

}  // namespace cxximport::cache
