#include "toolchain/ninja_output.hpp"

#include <cctype>
#include <sstream>

namespace cxximport::build {

bool parse_status_line(const std::string& line, std::string* description) {
  // "[" digits "/" digits "] " text
  std::size_t k = 0;
  auto digits = [&] {
    std::size_t start = k;
    while (k < line.size() && std::isdigit(static_cast<unsigned char>(line[k]))) ++k;
    return k > start;
  };
  if (line.empty() || line[k++] != '[' || !digits() || k >= line.size() || line[k++] != '/' || !digits() ||
      line.compare(k, 2, "] ") != 0)
    return false;
  *description = line.substr(k + 2);
  return true;
}

namespace {

int owner_by_label(const std::string& description, const std::vector<OutputOwner>& owners) {
  std::size_t space = description.find(' ');
  if (space == std::string::npos) return -1;
  const std::string verb = description.substr(0, space), label = description.substr(space + 1);
  if (verb != "CXX" && verb != "LINK") return -1;
  for (std::size_t i = 0; i < owners.size(); ++i)
    if (!owners[i].label.empty() && owners[i].label == label) return static_cast<int>(i);
  return -1;
}

int owner_by_path(const std::string& outputs, const std::vector<OutputOwner>& owners) {
  for (std::size_t i = 0; i < owners.size(); ++i) {
    const std::string prefix = owners[i].dir + "/";
    if (!owners[i].dir.empty() && outputs.compare(0, prefix.size(), prefix) == 0) return static_cast<int>(i);
  }
  return -1;
}

}  // namespace

std::vector<OutputPart> split_ninja_output(const std::string& output, const std::vector<OutputOwner>& owners,
                                           std::string* rest) {
  std::vector<OutputPart> parts(owners.size());
  rest->clear();
  std::istringstream in(output);
  std::string line, description;
  int owner = -1;
  bool want_command = false;
  while (std::getline(in, line)) {
    if (parse_status_line(line, &description)) {
      owner = owner_by_label(description, owners);
      want_command = false;
    } else if (line.rfind("FAILED: ", 0) == 0) {
      std::string outputs = line.substr(8);
      if (outputs.rfind("[code=", 0) == 0 && outputs.find("] ") != std::string::npos)
        outputs = outputs.substr(outputs.find("] ") + 2);  // ninja >= 1.12: "FAILED: [code=1] out"
      int by_path = owner_by_path(outputs, owners);
      if (by_path >= 0) owner = by_path;
      if (owner >= 0) {
        parts[owner].failed = true;
        want_command = parts[owner].command.empty();
      }
    } else if (line.rfind("ninja: ", 0) == 0) {
      *rest += line + "\n";
      continue;
    } else if (want_command) {
      if (owner >= 0) parts[owner].command = line;
      want_command = false;
    }
    (owner >= 0 ? parts[owner].log : *rest) += line + "\n";
  }
  return parts;
}

}  // namespace cxximport::build
