#include "cache/units.hpp"

#include <cctype>
#include <cmath>
#include <cstdio>

namespace cxximport::cache {

namespace {

// Splits "1.5Gi" into the number 1.5 and the suffix "Gi"; false when the
// number part is missing or malformed.
bool split_number(std::string_view text, double* number, std::string* suffix) {
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front()))) text.remove_prefix(1);
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) text.remove_suffix(1);
  size_t i = 0;
  bool digits = false, dot = false;
  double whole = 0, scale = 1;
  for (; i < text.size(); ++i) {
    char c = text[i];
    if (c >= '0' && c <= '9') {
      digits = true;
      if (dot) {
        scale /= 10;
        whole += (c - '0') * scale;
      } else {
        whole = whole * 10 + (c - '0');
      }
    } else if (c == '.' && !dot) {
      dot = true;
    } else {
      break;
    }
  }
  if (!digits) return false;
  *number = whole;
  suffix->clear();
  for (; i < text.size(); ++i) {
    if (std::isspace(static_cast<unsigned char>(text[i]))) continue;
    *suffix += static_cast<char>(std::tolower(static_cast<unsigned char>(text[i])));
  }
  return true;
}

}  // namespace

bool parse_size(std::string_view text, std::uint64_t* bytes, std::string* err) {
  double n = 0;
  std::string s;
  if (!split_number(text, &n, &s)) {
    *err = "invalid size '" + std::string(text) + "' (expected e.g. 500M, 2G, 10k or a number of bytes)";
    return false;
  }
  if (s.size() > 1 && s.back() == 'b')
    s.pop_back();
  else if (s == "b")
    s.clear();
  double mult;
  if (s.empty())
    mult = 1;
  else if (s == "k")
    mult = 1e3;
  else if (s == "m")
    mult = 1e6;
  else if (s == "g")
    mult = 1e9;
  else if (s == "t")
    mult = 1e12;
  else if (s == "ki")
    mult = 1024.0;
  else if (s == "mi")
    mult = 1024.0 * 1024;
  else if (s == "gi")
    mult = 1024.0 * 1024 * 1024;
  else if (s == "ti")
    mult = 1024.0 * 1024 * 1024 * 1024;
  else {
    *err = "invalid size unit in '" + std::string(text) + "' (use k, M, G, T or Ki, Mi, Gi, Ti)";
    return false;
  }
  double v = std::round(n * mult);
  if (v >= 1.8e19) {
    *err = "size '" + std::string(text) + "' is too large";
    return false;
  }
  *bytes = static_cast<std::uint64_t>(v);
  return true;
}

bool parse_age(std::string_view text, std::int64_t* seconds, std::string* err) {
  double n = 0;
  std::string s;
  if (!split_number(text, &n, &s)) {
    *err = "invalid age '" + std::string(text) + "' (expected e.g. 30d, 12h, 15m or 90s)";
    return false;
  }
  double mult;
  if (s.empty() || s == "s")
    mult = 1;
  else if (s == "m")
    mult = 60;
  else if (s == "h")
    mult = 3600;
  else if (s == "d")
    mult = 86400;
  else if (s == "w")
    mult = 7 * 86400;
  else {
    *err = "invalid age unit in '" + std::string(text) + "' (use s, m, h, d or w)";
    return false;
  }
  double v = std::round(n * mult);
  if (v >= 9.2e18) {
    *err = "age '" + std::string(text) + "' is too large";
    return false;
  }
  *seconds = static_cast<std::int64_t>(v);
  return true;
}

std::string format_size(std::uint64_t bytes) {
  if (bytes < 1000) return std::to_string(bytes) + " B";
  const char* units[] = {"kB", "MB", "GB", "TB", "PB"};
  double v = static_cast<double>(bytes) / 1000;
  int u = 0;
  while (v >= 999.95 && u < 4) {
    v /= 1000;
    ++u;
  }
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f %s", v, units[u]);
  return buf;
}

}  // namespace cxximport::cache
