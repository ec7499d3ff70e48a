#include "check.hpp"

#include <cstring>

namespace cxxtest {

std::vector<Case>& registry() {
  static std::vector<Case> cases;
  return cases;
}

static int g_failures = 0;

void fail(const char* file, int line, const std::string& what) {
  ++g_failures;
  std::cerr << file << ":" << line << ": CHECK failed: " << what << "\n";
}

}  // namespace cxxtest

// Usage: cxximport_unittests [substring-filter]
int main(int argc, char** argv) {
  int passed = 0, failed = 0;
  for (auto& c : cxxtest::registry()) {
    if (argc > 1 && !std::strstr(c.name, argv[1])) continue;
    int before = cxxtest::g_failures;
    c.fn();
    if (cxxtest::g_failures == before) {
      ++passed;
    } else {
      ++failed;
      std::cerr << "FAILED: " << c.name << "\n";
    }
  }
  std::cout << passed << " passed, " << failed << " failed\n";
  return failed == 0 ? 0 : 1;
}
