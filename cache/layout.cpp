#include "cache/layout.hpp"

#include "util/hash.hpp"

namespace cxximport::cache::layout {

std::string version_dir(const std::string& root) { return root + "/v" + std::to_string(kLayoutVersion); }
std::string entries_dir(const std::string& root) { return version_dir(root) + "/entries"; }
std::string tmp_dir(const std::string& root) { return version_dir(root) + "/tmp"; }
std::string locks_dir(const std::string& root) { return version_dir(root) + "/locks"; }
std::string lock_file(const std::string& root, const std::string& key) { return locks_dir(root) + "/" + key + ".lock"; }
std::string failed_dir(const std::string& root) { return version_dir(root) + "/failed"; }
std::string failed_log(const std::string& root, const std::string& key) {
  return failed_dir(root) + "/" + key + ".log";
}
std::string stats_file(const std::string& root) { return version_dir(root) + "/stats"; }
std::string memo_dir(const std::string& root) { return version_dir(root) + "/compilers"; }
std::string sources_dir(const std::string& root) { return version_dir(root) + "/sources"; }
std::string source_memo(const std::string& root, const std::string& source) {
  return sources_dir(root) + "/" + hash_bytes(source).substr(0, 16);
}

std::vector<std::string> directories(const std::string& root) {
  return {version_dir(root), entries_dir(root), tmp_dir(root),    locks_dir(root),
          failed_dir(root),  memo_dir(root),    sources_dir(root)};
}

}  // namespace cxximport::cache::layout
