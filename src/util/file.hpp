// Whole-file reads and writes for the core's own files (sources, generated
// text, logs). The cache store has its own descriptor-based helpers that
// refuse symlinks (cache/fs_util.hpp); these do not need that.
#pragma once

#include <string>
#include <string_view>
#include <sys/types.h>

namespace cxximport {

bool read_file(const std::string& path, std::string* out, std::string* err);
bool write_file(const std::string& path, std::string_view text, std::string* err);

// The one atomic writer of the core (manifests, builder files, memo files):
// writes content to a fresh temporary file beside path (mkostemp), sets
// mode, fsyncs it when durable and renames it over path, so a reader sees
// the old file or the new one, never a partial one, whenever the writer
// dies. The temporary file is removed on failure.
bool write_file_atomic(const std::string& path, std::string_view content, mode_t mode, std::string* err,
                       bool durable = true);

}  // namespace cxximport
