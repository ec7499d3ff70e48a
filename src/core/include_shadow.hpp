// Headers that would shadow the ones a build used. A header found in the
// k-th include directory would instead be found in an earlier directory if a
// file with the same relative name appeared there; those candidate paths are
// recorded in the manifest as `absent` so such a new file makes the entry a
// miss (content hashes of the headers used cannot see it).
#pragma once

#include <string>
#include <vector>

namespace cxximport::core {

// The include search directories of a compile command, in GCC's order
// (-iquote, then -I, then -isystem), as written.
std::vector<std::string> include_search_dirs(const std::vector<std::string>& cxxflags);

// For each header under one of dirs, the same relative path under every
// earlier directory, when no such file exists now. Sorted, no duplicates.
std::vector<std::string> shadow_candidates(const std::vector<std::string>& dirs,
                                           const std::vector<std::string>& headers);

}  // namespace cxximport::core
