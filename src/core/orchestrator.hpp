// The pipeline behind `import compute`, in three phases that the one-module
// path (build_module) and the batch (core/batch.hpp) share:
//   prepare: scan -> key -> lookup; on a miss: lock -> re-check -> build dir
//            with module.cpp, build.ninja, the .pyi and wrappers.map
//   run:     ninja (one process per module here; one for all in a batch)
//   finish:  depfiles -> manifest -> publish, or discard and report failure
// Side effects go through the process runner (compiler, ninja) and the cache
// store.
#pragma once

#include <chrono>
#include <ctime>
#include <memory>
#include <optional>

#include "toolchain/ninja_file.hpp"
#include "toolchain/process.hpp"
#include "cache/store.hpp"
#include "core/request.hpp"

namespace cxximport::core {

bool build_module(const BuildRequest& req, build::ProcessRunner& runner, Reporter& reporter, BuildResult* result,
                  BuildFailure* failure);

// The cache root a request resolves to (the rules of docs/cache.md).
std::string default_cache_dir();

// One module between the phases.
struct PreparedModule {
  enum class State {
    Done,    // a cache hit: result is filled
    Failed,  // failure is filled
    Busy,    // (LockWait::Try) another process holds the key's lock
    Ready,   // lock held, build_dir generated: run ninja, then finish_module
  };
  State state = State::Failed;
  BuildRequest req;
  BuildResult result;
  BuildFailure failure;

  // Ready only.
  std::optional<cache::Store> store;
  std::unique_ptr<cache::KeyLock> lock;
  std::string build_dir;
  build::NinjaModule ninja;  // relative paths (its build.ninja)
  std::vector<std::string> system_dirs;
  build::ProcessRunner* runner = nullptr;  // the one prepare_module was given
  std::chrono::steady_clock::time_point started;
  // Real time before any input was read: an input whose ctime is later
  // changed while the module was built (finish_module then does not publish).
  struct timespec inputs_read{};
  std::vector<std::string> key_files;  // `sources`/`depends` files hashed into the key
  cache::KeyFields key_fields;         // remembered after publish, to explain later misses
};

enum class LockWait { Block, Try };

// Fills *out (state Done, Failed, Busy or Ready).
void prepare_module(const BuildRequest& req, build::ProcessRunner& runner, Reporter& reporter, LockWait wait,
                    PreparedModule* out);

// What ninja did for one Ready module: its part of the output, whether it
// failed, the failing command.
struct NinjaOutcome {
  bool ran = false;        // false: ninja could not be started (message in log)
  bool cancelled = false;  // the user stopped the build
  bool failed = false;
  std::string log, command;
};

// Publishes (state Done) or discards (state Failed) a Ready module.
void finish_module(const NinjaOutcome& outcome, Reporter& reporter, PreparedModule* pm);

}  // namespace cxximport::core
