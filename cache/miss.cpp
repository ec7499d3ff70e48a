#include "cache/miss.hpp"

#include <algorithm>
#include <set>
#include <sstream>

namespace cxximport::cache {

namespace {

constexpr std::string_view kMemoMagic = "cxximport-source 1";

// Fields whose value is a digest: a person needs "changed", not two hashes.
bool is_digest(const std::string& field) {
  return field == "source" || field == "runtime" || field == "generator" || field == "cpu" || field == "extra_files";
}

// Flags as the tokens removed and added, not two long command lines.
std::string flag_change(const std::string& before, const std::string& after) {
  auto tokens = [](const std::string& s) {
    std::vector<std::string> out;
    std::istringstream in(s);
    for (std::string t; in >> t;) out.push_back(t);
    return out;
  };
  std::vector<std::string> b = tokens(before), a = tokens(after);
  std::multiset<std::string> bs(b.begin(), b.end()), as(a.begin(), a.end());
  std::string removed, added;
  for (const auto& t : b)
    if (!as.count(t)) removed += (removed.empty() ? "" : " ") + t;
  for (const auto& t : a)
    if (!bs.count(t)) added += (added.empty() ? "" : " ") + t;
  if (removed.empty() && added.empty()) return "reordered";
  return (removed.empty() ? "" : "removed " + removed) + (removed.empty() || added.empty() ? "" : ", ") +
         (added.empty() ? "" : "added " + added);
}

std::string describe_change(const FieldChange& c) {
  if (is_digest(c.field)) return c.field + " changed";
  if (c.field == "compile_flags" || c.field == "link_flags")
    return c.field.substr(0, c.field.find('_')) + " flags " + flag_change(c.before, c.after);
  auto shown = [](const std::string& v) { return v.empty() ? std::string("(none)") : v; };
  return c.field + " " + shown(c.before) + " \u2192 " + shown(c.after);
}

}  // namespace

const char* miss_kind_name(MissKind kind) {
  switch (kind) {
    case MissKind::kAbsent:
      return "absent";
    case MissKind::kKeyChanged:
      return "key_changed";
    case MissKind::kCorrupt:
      return "corrupt";
    case MissKind::kForeignOwner:
      return "foreign_owner";
    case MissKind::kUnsafe:
      return "unsafe";
    case MissKind::kStaleHeader:
      return "stale_header";
    case MissKind::kHeaderGone:
      return "header_gone";
    case MissKind::kShadowedInclude:
      return "shadowed_include";
    case MissKind::kUnreadable:
      return "unreadable";
    case MissKind::kInvalidKey:
      return "invalid_key";
  }
  return "absent";
}

bool refused(const Miss& miss) { return miss.kind == MissKind::kForeignOwner || miss.kind == MissKind::kUnsafe; }

std::string describe(const Miss& miss) {
  std::string out;
  switch (miss.kind) {
    case MissKind::kAbsent:
      out = "not cached";
      break;
    case MissKind::kKeyChanged:
      for (const FieldChange& c : miss.changes) out += (out.empty() ? "" : "; ") + describe_change(c);
      out = "not cached: " + (out.empty() ? std::string("its inputs changed") : out) + " since the last build";
      break;
    case MissKind::kForeignOwner:
    case MissKind::kUnsafe:
      out = "refused " + miss.path + ": " + miss.detail;
      break;
    default:
      out = miss.path.empty() ? miss.detail : miss.detail.empty() ? miss.path : miss.path + ": " + miss.detail;
      break;
  }
  if (miss.other_variants > 0)
    out += " (and " + std::to_string(miss.other_variants) + " other header set" + (miss.other_variants > 1 ? "s" : "") +
           " of this key failed too)";
  return out;
}

std::vector<FieldChange> diff_key_fields(const KeyFields& before, const KeyFields& now) {
  std::vector<FieldChange> out;
  for (const auto& [name, value] : now) {
    auto it = std::find_if(before.begin(), before.end(), [&](const auto& f) { return f.first == name; });
    std::string old = it == before.end() ? "" : it->second;
    if (it == before.end() || old != value) out.push_back({name, old, value});
  }
  return out;
}

std::string format_key_fields(const KeyFields& fields) {
  std::string out = std::string(kMemoMagic) + "\n";
  for (const auto& [name, value] : fields) {
    std::string v = value;
    std::replace(v.begin(), v.end(), '\n', ' ');
    std::replace(v.begin(), v.end(), '\r', ' ');
    out += name + " " + v + "\n";
  }
  return out;
}

bool parse_key_fields(const std::string& text, KeyFields* fields) {
  fields->clear();
  std::istringstream in(text);
  std::string line;
  if (!std::getline(in, line) || line != kMemoMagic) return false;
  while (std::getline(in, line)) {
    size_t sp = line.find(' ');
    if (sp == std::string::npos || sp == 0) return false;
    fields->emplace_back(line.substr(0, sp), line.substr(sp + 1));
  }
  return true;
}

}  // namespace cxximport::cache
