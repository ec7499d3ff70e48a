// The per-source memo of the key fields of the last build, which turns a
// miss on a new key into "numpy 2.1.0 -> 2.2.0" (docs/cache.md, "Why a miss").
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cache/fs_util.hpp"
#include "cache/layout.hpp"
#include "cache/store.hpp"

namespace cxximport::cache {

void Store::remember_key_fields(const std::string& source, const KeyFields& fields) {
  if (read_only_) return;
  const std::string path = layout::source_memo(root_, source);
  const std::string text = "source " + source + "\n" + format_key_fields(fields);
  std::string old, err;
  int fd = ::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  if (fd >= 0) {
    fs::read_fd(fd, &old, &err);
    ::close(fd);
  }
  // A memo only explains misses: failing to write it changes nothing else.
  if (old != text) fs::write_file_atomic(path, text, 0600, &err, false);
}

void Store::explain_miss(const std::string& source, const KeyFields& now, Miss* miss) const {
  if (miss->kind != MissKind::kAbsent) return;
  const std::string path = layout::source_memo(root_, source);
  int fd = ::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) return;
  std::string text, err;
  struct stat st;
  bool ok = ::fstat(fd, &st) == 0 && fs::refusal(st, false, sealed_).empty() && st.st_size < (1 << 20) &&
            fs::read_fd(fd, &text, &err);
  ::close(fd);
  const std::string first = "source " + source + "\n";
  KeyFields before;
  if (!ok || text.compare(0, first.size(), first) != 0 || !parse_key_fields(text.substr(first.size()), &before)) return;
  std::vector<FieldChange> changes = diff_key_fields(before, now);
  if (changes.empty()) return;  // built with these inputs, then removed (clean, prune)
  miss->kind = MissKind::kKeyChanged;
  miss->path = source;
  miss->changes = std::move(changes);
}

}  // namespace cxximport::cache
