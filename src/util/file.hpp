// Whole-file reads and writes for the core's own files (sources, generated
// text, logs). The cache store has its own descriptor-based helpers that
// refuse symlinks (cache/fs_util.hpp); these do not need that.
#pragma once

#include <string>
#include <string_view>

namespace cxximport {

bool read_file(const std::string& path, std::string* out, std::string* err);
bool write_file(const std::string& path, std::string_view text, std::string* err);

}  // namespace cxximport
