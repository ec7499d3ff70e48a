#include "core/include_shadow.hpp"

#include <set>
#include <sys/stat.h>

namespace cxximport::core {

std::vector<std::string> include_search_dirs(const std::vector<std::string>& cxxflags) {
  std::vector<std::string> quote, angle, system;
  for (std::size_t i = 0; i < cxxflags.size(); ++i) {
    const std::string& f = cxxflags[i];
    auto value = [&](std::size_t prefix) -> std::string {
      if (f.size() > prefix) return f.substr(prefix);
      return i + 1 < cxxflags.size() ? cxxflags[++i] : std::string();
    };
    if (f.rfind("-iquote", 0) == 0)
      quote.push_back(value(7));
    else if (f.rfind("-isystem", 0) == 0)
      system.push_back(value(8));
    else if (f.rfind("-I", 0) == 0)
      angle.push_back(value(2));
  }
  std::vector<std::string> dirs = quote;
  dirs.insert(dirs.end(), angle.begin(), angle.end());
  dirs.insert(dirs.end(), system.begin(), system.end());
  std::vector<std::string> out;
  for (auto& d : dirs) {
    while (d.size() > 1 && d.back() == '/') d.pop_back();
    if (!d.empty() && d[0] == '/') out.push_back(d);
  }
  return out;
}

std::vector<std::string> shadow_candidates(const std::vector<std::string>& dirs,
                                           const std::vector<std::string>& headers) {
  std::set<std::string> out;
  for (const auto& h : headers) {
    for (std::size_t k = 0; k < dirs.size(); ++k) {
      const std::string prefix = dirs[k] == "/" ? "/" : dirs[k] + "/";
      if (h.rfind(prefix, 0) != 0) continue;
      const std::string rel = h.substr(prefix.size());
      for (std::size_t j = 0; j < k; ++j) {
        std::string cand = (dirs[j] == "/" ? "" : dirs[j]) + "/" + rel;
        struct stat st;
        if (cand != h && lstat(cand.c_str(), &st) != 0) out.insert(cand);
      }
    }
  }
  return {out.begin(), out.end()};
}

}  // namespace cxximport::core
