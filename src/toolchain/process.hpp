// Running a child process with its output captured: the one place the core
// starts processes, behind an interface so that tests can run the core on a
// fake (tests/cpp/test_key.cpp's FakeCompiler answers the identity probe).
#pragma once

#include <functional>
#include <string>
#include <vector>

namespace cxximport::build {

struct ProcessResult {
  int exit_code = -1;  // the exit status, or 128 + signal
  std::string output;  // stdout and stderr, interleaved
};

class ProcessRunner {
 public:
  virtual ~ProcessRunner() = default;
  // Runs argv[0] (searched on PATH) in cwd. `tick` is called about every
  // 100 ms while the process runs (progress reporting); when it returns false
  // the process is terminated (Ctrl-C in Python). False only when the process
  // could not be started.
  virtual bool run(const std::vector<std::string>& argv, const std::string& cwd, const std::function<bool()>& tick,
                   ProcessResult* result, std::string* err) = 0;
};

// fork + execve; the child gets PR_SET_PDEATHSIG(SIGTERM), so if the calling
// thread's process dies (even by SIGKILL) ninja is told and stops the
// compilers it started: no build outlives the import that started it.
class RealProcessRunner : public ProcessRunner {
 public:
  bool run(const std::vector<std::string>& argv, const std::string& cwd, const std::function<bool()>& tick,
           ProcessResult* result, std::string* err) override;
};

// Shell-style quoting of one argument for logs and compile_commands.json.
std::string shell_quote(const std::string& arg);
std::string shell_join(const std::vector<std::string>& argv);

}  // namespace cxximport::build
