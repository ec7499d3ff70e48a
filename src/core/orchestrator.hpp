// The pipeline behind `import compute`, in three phases; one import is run
// as a batch of one (core/batch.cpp), so one code path serves both:
//   prepare: named steps over one resolved-inputs value (orchestrator.cpp):
//            check the request -> read and scan -> resolve the directives
//            and extra files -> open the store -> identify the compiler ->
//            key -> look up; on a miss: lock -> look again -> build dir
//            with module.cpp, build.ninja, the .pyi and wrappers.map
//   run:     one ninja process for all the batch's misses (batch.cpp)
//   finish:  depfiles -> manifest -> publish, or discard and report failure
// Side effects go through the process runner (compiler, ninja) and the store
// seam (core/module_store.hpp), both of which the unit tests fake.
#pragma once

#include <chrono>
#include <ctime>
#include <memory>

#include "toolchain/ninja_file.hpp"
#include "toolchain/process.hpp"
#include "cache/store.hpp"
#include "core/module_store.hpp"
#include "core/request.hpp"

namespace cxximport::core {

// One import: a batch of one (core/batch.cpp) over the real cache, or over
// the stores `stores` opens.
bool build_module(const BuildRequest& req, build::ProcessRunner& runner, Reporter& reporter, BuildResult* result,
                  BuildFailure* failure);
bool build_module(const BuildRequest& req, build::ProcessRunner& runner, StoreOpener& stores, Reporter& reporter,
                  BuildResult* result, BuildFailure* failure);

// The cache root a request resolves to (the rules of docs/cache.md).
std::string default_cache_dir();

// The scanner's "path:LINE:COL: what" -> *line, *column (left alone when
// err does not start with path).
void scan_error_location(const std::string& err, const std::string& path, int* line, int* column);

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
  std::unique_ptr<ModuleStore> store;
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
  codegen::GeneratedModule generated;  // for a compile failure: module.cpp and its wrapper spans
  cache::KeyFields key_fields;         // remembered after publish, to explain later misses
};

enum class LockWait { Block, Try };

// Fills *out (state Done, Failed, Busy or Ready).
void prepare_module(const BuildRequest& req, build::ProcessRunner& runner, StoreOpener& stores, Reporter& reporter,
                    LockWait wait, PreparedModule* out);

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
