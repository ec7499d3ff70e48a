// Many modules in one ninja run (`cxximport build PATHS...`): every module is
// prepared (hits and failures settle there), the misses are written as
// fragments of one top-level build.ninja in a private directory inside the
// cache, and ONE ninja process builds them all with -j N (so the scheduler
// spreads compiles across modules) and -k 0 (every failure is reported).
// Each module is then published or discarded on its own. Modules whose lock
// another process holds are waited for at the end, like a single import.
// A single import (build_module) is this same path with a batch of one.
#pragma once

#include <vector>

#include "toolchain/process.hpp"
#include "core/module_store.hpp"
#include "core/request.hpp"

namespace cxximport::core {

struct BatchOutcome {
  bool ok = false;
  BuildResult result;    // ok
  BuildFailure failure;  // !ok
};

// Reporter events: those of build_module, plus "progress" with ninja's status
// lines ("[3/10] CXX pkg.kernels"). jobs <= 0: default_jobs().
std::vector<BatchOutcome> build_many(const std::vector<BuildRequest>& requests, int jobs, build::ProcessRunner& runner,
                                     Reporter& reporter);
std::vector<BatchOutcome> build_many(const std::vector<BuildRequest>& requests, int jobs, build::ProcessRunner& runner,
                                     StoreOpener& stores, Reporter& reporter);

// Parallel compile jobs for this machine: the CPUs this process may use,
// capped so each job has about 1.5 GiB of memory (C++ compiles are large).
int default_jobs();

}  // namespace cxximport::core
