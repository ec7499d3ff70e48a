// Reading ninja's output: its `[n/N] description` status lines, and, for a
// batch (one ninja run over many modules), each module's part of the output.
#pragma once

#include <string>
#include <vector>

namespace cxximport::build {

// True for ninja's status lines ("[3/10] CXX pkg.kernels"); *description is
// the text after the counter.
bool parse_status_line(const std::string& line, std::string* description);

struct OutputOwner {
  std::string dir;    // the module's absolute build dir: owns "FAILED: <dir>/..." blocks
  std::string label;  // owns status lines "CXX <label>" and "LINK <label>" (NinjaModule::label)
};

struct OutputPart {
  std::string log;      // the owner's status lines, compiler output and failures
  bool failed = false;  // a "FAILED:" edge wrote into the owner's dir
  std::string command;  // the first failing command
};

// One part per owner, in order. Lines no owner claims (ninja's own
// "ninja: ..." lines, say) go to *rest.
std::vector<OutputPart> split_ninja_output(const std::string& output, const std::vector<OutputOwner>& owners,
                                           std::string* rest);

}  // namespace cxximport::build
