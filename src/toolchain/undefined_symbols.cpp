#include "toolchain/undefined_symbols.hpp"

#include <cstdlib>
#include <cxxabi.h>
#include <set>
#include <sstream>

namespace cxximport::build {

namespace {

std::string demangle(const std::string& name) {
  int status = 0;
  char* out = abi::__cxa_demangle(name.c_str(), nullptr, nullptr, &status);
  std::string result = status == 0 && out ? out : name;
  std::free(out);
  return result;
}

}  // namespace

std::vector<std::string> foreign_undefined_symbols(const std::string& ldd_output) {
  std::set<std::string> seen;
  std::vector<std::string> out;
  std::istringstream in(ldd_output);
  const std::string tag = "undefined symbol: ";
  for (std::string line; std::getline(in, line);) {
    if (line.rfind(tag, 0) != 0) continue;
    std::string name = line.substr(tag.size());
    name = name.substr(0, name.find_first_of(" \t("));
    if (name.rfind("Py", 0) == 0 || name.rfind("_Py", 0) == 0) continue;  // the interpreter's
    if (seen.insert(name).second) out.push_back(demangle(name));
  }
  return out;
}

bool check_undefined_symbols(ProcessRunner& runner, const std::string& so_path, std::vector<std::string>* names) {
  names->clear();
  ProcessResult r;
  std::string err;
  if (!runner.run({"ldd", "-r", so_path}, "", nullptr, &r, &err)) return true;  // no ldd: skip
  *names = foreign_undefined_symbols(r.output);
  return true;
}

}  // namespace cxximport::build
