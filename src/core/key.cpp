#include "core/key.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <dirent.h>
#include <fcntl.h>
#include <map>
#include <mutex>
#include <sys/stat.h>
#include <unistd.h>

#include "cache/layout.hpp"
#include "util/file.hpp"
#include "util/hash.hpp"

namespace cxximport::core {

std::string compute_key(const KeyInput& in) {
  Hasher h;
  h.field("format", std::int64_t{cache::layout::kLayoutVersion});
  h.field("cxximport", in.version);
  h.field("generator", in.generator);
  h.field("runtime", in.runtime_hash);
  h.field("module", in.module);
  h.field("source_path", in.source_path);
  h.field("source", in.source_text);
  h.field("compiler_path", in.compiler_path);
  h.field("compiler_version", in.compiler_version);
  h.field("compile_argc", static_cast<std::int64_t>(in.compile_argv.size()));
  for (const auto& a : in.compile_argv) h.field("compile_arg", a);
  h.field("link_argc", static_cast<std::int64_t>(in.link_argv.size()));
  for (const auto& a : in.link_argv) h.field("link_arg", a);
  h.field("ext_suffix", in.ext_suffix);
  h.field("numpy_version", in.numpy_version);
  h.field("numpy_include", in.numpy_include);
  h.field("python_include", in.python_include);
  h.field("build_type", in.build_type);
  h.field("cpu", in.cpu);
  h.field("extra_files", static_cast<std::int64_t>(in.extra_files.size()));
  for (const auto& [path, hash] : in.extra_files) h.field("extra_path", path).field("extra_hash", hash);
  return h.hex();
}

cache::KeyFields key_fields(const KeyInput& in) {
  auto joined = [](const std::vector<std::string>& argv) {
    std::string out;
    for (const auto& a : argv) out += (out.empty() ? "" : " ") + a;
    return out;
  };
  auto digest = [](const std::string& s) { return hash_bytes(s).substr(0, 16); };
  Hasher extra;
  for (const auto& [path, hash] : in.extra_files) extra.field("extra_path", path).field("extra_hash", hash);
  std::string compiler_version = in.compiler_version.substr(0, in.compiler_version.find('\n'));
  return {
      {"cxximport", in.version},
      {"numpy", in.numpy_version},
      {"python", in.ext_suffix},
      {"compiler", in.compiler_path},
      {"compiler_version", compiler_version},
      {"build_type", in.build_type},
      {"compile_flags", joined(in.compile_argv)},
      {"link_flags", joined(in.link_argv)},
      {"source", digest(in.source_text)},
      {"extra_files", extra.hex().substr(0, 16)},
      {"runtime", in.runtime_hash.substr(0, 16)},
      {"generator", in.generator.substr(0, 16)},
      {"cpu", digest(in.cpu)},
      {"numpy_include", in.numpy_include},
      {"python_include", in.python_include},
      {"module", in.module},
      {"compiler_identity", digest(in.compiler_version)},
  };
}

namespace {

// Every regular file under dir (symbolic links to files followed, to
// directories not, as std::filesystem's recursive iterator does) with its
// stat, by readdir and fstatat relative to the open directory: a warm import
// runs this once per process, and the iterator's path objects cost more than
// the stats themselves (issue 15).
bool list_tree(const std::string& dir, std::vector<std::pair<std::string, struct stat>>* out, std::string* err) {
  DIR* d = ::opendir(dir.c_str());
  if (!d) {
    *err = "cannot read " + dir + ": " + std::strerror(errno);
    return false;
  }
  std::vector<std::string> subdirs;
  bool ok = true;
  for (;;) {
    errno = 0;  // readdir's end and its failure differ only in errno
    struct dirent* e = ::readdir(d);
    if (!e) break;
    const std::string name = e->d_name;
    if (name == "." || name == "..") continue;
    const std::string path = dir + "/" + name;
    if (e->d_type == DT_DIR) {
      subdirs.push_back(path);
      continue;
    }
    struct stat st;
    if (e->d_type == DT_UNKNOWN) {
      if (::fstatat(::dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0) continue;
      if (S_ISDIR(st.st_mode)) {
        subdirs.push_back(path);
        continue;
      }
    }
    if (::fstatat(::dirfd(d), e->d_name, &st, 0) != 0) continue;  // a dangling link: not a file
    if (S_ISREG(st.st_mode)) out->emplace_back(path, st);
  }
  if (errno != 0) {
    *err = "cannot read " + dir + ": " + std::strerror(errno);
    ok = false;
  }
  ::closedir(d);
  for (const auto& sub : subdirs)
    if (ok) ok = list_tree(sub, out, err);
  return ok;
}

}  // namespace

bool tree_hash(const std::string& dir, const std::string& memo_dir, std::string* hex, std::string* err) {
  static std::mutex mu;
  static std::map<std::string, std::string> memo;
  std::lock_guard<std::mutex> lock(mu);
  if (auto it = memo.find(dir); it != memo.end()) {
    *hex = it->second;
    return true;
  }
  // Names, sizes and mtimes: cheap to gather, and they change whenever a
  // file does. Reading and hashing every runtime header is only needed when
  // they changed since the memo was written.
  std::vector<std::string> files;
  Hasher stamp;
  std::vector<std::pair<std::string, struct stat>> found;
  if (!list_tree(dir, &found, err)) return false;
  std::sort(found.begin(), found.end(), [](const auto& x, const auto& y) { return x.first < y.first; });
  for (const auto& [f, st] : found) {
    files.push_back(f);
    stamp.field("path", f)
        .field("size", static_cast<std::int64_t>(st.st_size))
        .field("mtime", static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1000000000LL + st.st_mtim.tv_nsec);
  }
  const std::string stamp_hex = stamp.hex();
  const std::string memo_file = memo_dir.empty() ? "" : memo_dir + "/runtime-" + hash_bytes(dir).substr(0, 24);
  std::string text;
  std::string ignored;
  if (!memo_file.empty() && read_file(memo_file, &text, &ignored) && text.size() == 65 &&
      text.compare(0, 32, stamp_hex) == 0 && text[32] == ' ') {
    *hex = memo[dir] = text.substr(33);
    return true;
  }
  Hasher h;
  for (const auto& f : files) {
    std::string fh;
    if (!hash_file(f, &fh, err)) return false;
    h.field("path", f.substr(dir.size())).field("hash", fh);
  }
  *hex = memo[dir] = h.hex();
  if (!memo_file.empty()) {
    // Best effort, atomically: a memo is an optimisation.
    ::mkdir(memo_dir.c_str(), 0700);
    write_file_atomic(memo_file, stamp_hex + " " + *hex, 0600, &ignored, false);
  }
  return true;
}

}  // namespace cxximport::core
