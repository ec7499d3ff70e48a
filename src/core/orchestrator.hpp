// The pipeline behind `import compute`: scan -> key -> lookup -> lock ->
// generate -> ninja -> publish. Side effects go through the process runner
// (compiler, ninja) and the cache store.
#pragma once

#include "build/process.hpp"
#include "core/request.hpp"

namespace cxximport::core {

bool build_module(const BuildRequest& req, build::ProcessRunner& runner, Reporter& reporter,
                  BuildResult* result, BuildFailure* failure);

// The cache root a request resolves to (the rules of docs/cache.md).
std::string default_cache_dir();

}  // namespace cxximport::core
