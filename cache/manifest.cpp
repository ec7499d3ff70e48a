#include "cache/manifest.hpp"

#include <algorithm>
#include <charconv>
#include <set>

namespace cxximport::cache {

namespace {

constexpr std::string_view kMagic = "cxximport-manifest ";

bool has_bad_char(std::string_view s) {
  return s.find_first_of(std::string_view("\n\r\0", 3)) != std::string_view::npos;
}

bool plain_name(std::string_view s) {
  return !s.empty() && s != "." && s != ".." && s.find('/') == std::string_view::npos && !has_bad_char(s);
}

template <class T>
bool parse_number(std::string_view s, T* out) {
  if (s.empty() || s[0] == '+') return false;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  return ec == std::errc() && p == s.data() + s.size();
}

}  // namespace

bool is_hex32(std::string_view s) {
  if (s.size() != 32) return false;
  for (char c : s)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  return true;
}

std::string format_manifest(const Manifest& m) {
  std::string out;
  out += kMagic;
  out += std::to_string(kFormatVersion) + "\n";
  out += "module " + m.module + "\n";
  out += "source " + m.source + "\n";
  out += "key " + m.key + "\n";
  out += "so_name " + m.so_name + "\n";
  out += "so_size " + std::to_string(m.so_size) + "\n";
  out += "so_hash " + m.so_hash + "\n";
  out += "created " + std::to_string(m.created) + "\n";
  for (const HeaderDigest& h : m.headers) out += "header " + h.hash + " " + h.path + "\n";
  for (const std::string& a : m.absent) out += "absent " + a + "\n";
  bool any_stat = false;
  for (const HeaderDigest& h : m.headers) {
    if (!h.has_stat) continue;
    any_stat = true;
    out += "stat " + std::to_string(h.stat.size) + " " + std::to_string(h.stat.mtime_ns) + " " +
           std::to_string(h.stat.ctime_ns) + " " + std::to_string(h.stat.ino) + " " + h.path + "\n";
  }
  if (any_stat) out += "stat_taken " + std::to_string(m.stat_taken_ns) + "\n";
  out += "end\n";
  return out;
}

bool validate_manifest(const Manifest& m, bool allow_unpublished, std::string* err) {
  auto bad = [&](const std::string& what) {
    *err = "invalid manifest: " + what;
    return false;
  };
  if (m.module.empty() || has_bad_char(m.module)) return bad("module name empty or has a newline");
  if (m.source.empty() || m.source[0] != '/' || has_bad_char(m.source))
    return bad("source must be an absolute path without newlines: " + m.source);
  if (!is_hex32(m.key)) return bad("key is not 32 lowercase hex digits: " + m.key);
  if (!plain_name(m.so_name)) return bad("so_name must be a plain file name: " + m.so_name);
  if (!(allow_unpublished && m.so_hash.empty()) && !is_hex32(m.so_hash))
    return bad("so_hash is not 32 lowercase hex digits");
  std::set<std::string_view> seen;
  for (const HeaderDigest& h : m.headers) {
    if (h.path.empty() || h.path[0] != '/' || has_bad_char(h.path))
      return bad("header path must be absolute without newlines: " + h.path);
    if (!is_hex32(h.hash)) return bad("header hash is not 32 lowercase hex digits: " + h.path);
    if (!seen.insert(h.path).second) return bad("header listed twice: " + h.path);
  }
  std::set<std::string> absent_seen;
  for (const std::string& a : m.absent) {
    if (a.empty() || a[0] != '/' || has_bad_char(a)) return bad("absent path must be absolute without newlines: " + a);
    if (!absent_seen.insert(a).second) return bad("absent path listed twice: " + a);
  }
  return true;
}

bool parse_manifest(const std::string& text, Manifest* m, std::string* err) {
  *m = Manifest();
  std::string_view rest = text;
  int line_no = 0;
  auto fail = [&](const std::string& what) {
    *err = "manifest line " + std::to_string(line_no) + ": " + what;
    return false;
  };
  auto next_line = [&](std::string_view* line) {
    size_t nl = rest.find('\n');
    if (nl == std::string_view::npos) return false;
    *line = rest.substr(0, nl);
    rest.remove_prefix(nl + 1);
    ++line_no;
    return true;
  };

  std::string_view line;
  if (!next_line(&line) || line.substr(0, kMagic.size()) != kMagic) {
    line_no = 1;
    return fail("not a cxximport manifest");
  }
  int version = 0;
  if (!parse_number(line.substr(kMagic.size()), &version)) return fail("bad format version");
  if (version < kOldestFormatVersion || version > kFormatVersion)
    return fail("unknown format version " + std::to_string(version) + " (this cxximport reads " +
                std::to_string(kOldestFormatVersion) + " to " + std::to_string(kFormatVersion) + ")");

  std::set<std::string_view> seen;
  std::set<std::string_view> header_paths;
  std::set<std::string_view> absent_paths;
  std::set<std::string_view> stat_paths;
  std::vector<std::pair<std::string, HeaderStat>> stats;
  bool ended = false;
  while (next_line(&line)) {
    if (line == "end") {
      ended = true;
      break;
    }
    if (line.find_first_of(std::string_view("\r\0", 2)) != std::string_view::npos)
      return fail("control character in line");
    size_t sp = line.find(' ');
    if (sp == std::string_view::npos) return fail("missing value");
    std::string_view name = line.substr(0, sp);
    std::string_view value = line.substr(sp + 1);
    if (name == "header") {
      size_t sp2 = value.find(' ');
      if (sp2 == std::string_view::npos) return fail("header needs a hash and a path");
      std::string_view hash = value.substr(0, sp2);
      std::string_view path = value.substr(sp2 + 1);
      if (!is_hex32(hash)) return fail("bad header hash");
      if (path.empty() || path[0] != '/') return fail("header path is not absolute");
      if (!header_paths.insert(path).second) return fail("header listed twice");
      m->headers.push_back({std::string(path), std::string(hash)});
      continue;
    }
    if (name == "stat" && version >= 2) {
      // SIZE MTIME CTIME INO PATH
      std::string_view v = value;
      HeaderStat hs;
      std::string_view parts[4];
      for (auto& part : parts) {
        size_t sp3 = v.find(' ');
        if (sp3 == std::string_view::npos) return fail("stat needs size, mtime, ctime, inode and a path");
        part = v.substr(0, sp3);
        v.remove_prefix(sp3 + 1);
      }
      if (!parse_number(parts[0], &hs.size) || !parse_number(parts[1], &hs.mtime_ns) ||
          !parse_number(parts[2], &hs.ctime_ns) || !parse_number(parts[3], &hs.ino))
        return fail("bad stat numbers");
      if (!stat_paths.insert(v).second) return fail("stat listed twice");
      stats.emplace_back(std::string(v), hs);
      continue;
    }
    if (name == "absent") {
      if (value.empty() || value[0] != '/') return fail("absent path is not absolute");
      if (!absent_paths.insert(value).second) return fail("absent path listed twice");
      m->absent.emplace_back(value);
      continue;
    }
    if (!seen.insert(name).second) return fail("duplicate field '" + std::string(name) + "'");
    if (name == "module") {
      if (value.empty()) return fail("empty module");
      m->module = value;
    } else if (name == "source") {
      if (value.empty() || value[0] != '/') return fail("source is not absolute");
      m->source = value;
    } else if (name == "key") {
      if (!is_hex32(value)) return fail("bad key");
      m->key = value;
    } else if (name == "so_name") {
      if (!plain_name(value)) return fail("so_name is not a plain file name");
      m->so_name = value;
    } else if (name == "so_size") {
      if (!parse_number(value, &m->so_size)) return fail("bad so_size");
    } else if (name == "so_hash") {
      if (!is_hex32(value)) return fail("bad so_hash");
      m->so_hash = value;
    } else if (name == "created") {
      if (!parse_number(value, &m->created)) return fail("bad created");
    } else if (name == "stat_taken" && version >= 2) {
      if (!parse_number(value, &m->stat_taken_ns)) return fail("bad stat_taken");
    } else {
      return fail("unknown field '" + std::string(name) + "'");
    }
  }
  if (!ended) return fail("missing 'end' line (truncated manifest)");
  if (!rest.empty()) return fail("data after 'end'");
  for (const char* f : {"module", "source", "key", "so_name", "so_size", "so_hash", "created"})
    if (!seen.count(f)) return fail(std::string("missing field '") + f + "'");
  if (!stats.empty() && !seen.count("stat_taken")) return fail("stat lines without 'stat_taken'");
  for (auto& [path, hs] : stats) {
    auto it = std::find_if(m->headers.begin(), m->headers.end(), [&](const HeaderDigest& h) { return h.path == path; });
    if (it == m->headers.end()) return fail("stat of a path that is not a header: " + path);
    it->has_stat = true;
    it->stat = hs;
  }
  return true;
}

}  // namespace cxximport::cache
