#include "core/batch.hpp"

#include <algorithm>
#include <sched.h>
#include <unistd.h>

#include "toolchain/ninja_file.hpp"
#include "toolchain/ninja_output.hpp"
#include "core/orchestrator.hpp"
#include "util/file.hpp"

namespace cxximport::core {

namespace {

using Clock = std::chrono::steady_clock;
using State = PreparedModule::State;

// Runs the one ninja process; passes its status lines on as they come.
struct BatchRun {
  build::ProcessResult result;
  bool started = false;
  std::string error;
};

BatchRun run_ninja(const std::string& ninja, const std::string& dir, int jobs, bool verbose,
                   build::ProcessRunner& runner, Reporter& reporter) {
  BatchRun run;
  std::vector<std::string> argv = {ninja, "-j", std::to_string(jobs), "-k", "0"};
  if (verbose) argv.push_back("-v");
  std::size_t seen = 0;  // bytes of output already passed on
  const auto t0 = Clock::now();
  auto pass_on = [&] {
    const std::string& out = run.result.output;
    std::size_t nl;
    while ((nl = out.find('\n', seen)) != std::string::npos) {
      std::string line = out.substr(seen, nl - seen), description;
      seen = nl + 1;
      if (build::parse_status_line(line, &description)) reporter.event("progress", line);
    }
  };
  auto tick = [&] {
    pass_on();
    reporter.event("building", std::to_string(std::chrono::duration<double>(Clock::now() - t0).count()));
    return !reporter.cancelled();
  };
  run.started = runner.run(argv, dir, tick, &run.result, &run.error);
  if (run.started) pass_on();
  return run;
}

}  // namespace

int default_jobs() {
  long cpus = 0;
  cpu_set_t set;
  if (sched_getaffinity(0, sizeof set, &set) == 0) cpus = CPU_COUNT(&set);
  if (cpus <= 0) cpus = sysconf(_SC_NPROCESSORS_ONLN);
  const double gib = static_cast<double>(sysconf(_SC_PHYS_PAGES)) * static_cast<double>(sysconf(_SC_PAGESIZE)) /
                     (1024.0 * 1024 * 1024);
  long by_memory = gib > 0 ? static_cast<long>(gib / 1.5) : cpus;
  return static_cast<int>(std::max(1L, std::min(cpus, by_memory)));
}

namespace {

// Prepares every request (waiting for busy locks or, with LockWait::Try,
// leaving them Busy), builds the misses with one ninja process and finishes
// each module: the one path of a single import (a batch of one) and of
// `cxximport build`.
std::vector<PreparedModule> run_batch(const std::vector<BuildRequest>& requests, int jobs, LockWait wait,
                                      build::ProcessRunner& runner, StoreOpener& stores, Reporter& reporter) {
  std::vector<PreparedModule> mods(requests.size());
  for (std::size_t i = 0; i < requests.size() && !reporter.cancelled(); ++i)
    prepare_module(requests[i], runner, stores, reporter, wait, &mods[i]);

  std::vector<std::size_t> ready;
  for (std::size_t i = 0; i < mods.size(); ++i)
    if (mods[i].state == State::Ready) ready.push_back(i);
  if (ready.empty()) return mods;

  // The top-level build.ninja and one fragment per module, in a private
  // build directory of the first module's cache (it is removed afterwards;
  // a crash leaves it to the cache's stale-directory cleanup).
  PreparedModule& first = mods[ready.front()];
  ModuleStore& store = *first.store;
  std::string batch_dir, err;
  bool ok = store.make_build_dir(first.result.key, &batch_dir, &err);
  std::vector<std::string> fragments;
  std::vector<build::OutputOwner> owners;
  for (std::size_t n = 0; ok && n < ready.size(); ++n) {
    PreparedModule& pm = mods[ready[n]];
    build::NinjaModule fragment = pm.ninja;
    fragment.dir = pm.build_dir;
    fragment.label = pm.req.module;
    for (const auto& o : owners) fragment.label += o.label == fragment.label ? "#" + std::to_string(n) : "";
    fragments.push_back(batch_dir + "/module" + std::to_string(n) + ".ninja");
    owners.push_back({pm.build_dir, fragment.label});
    ok = write_file(fragments.back(), build::write_ninja(fragment), &err);
    if (pm.req.verbose)
      reporter.event("command", build::shell_join(build::compile_argv(pm.ninja, "module.cpp", "module.o")));
  }
  if (ok) ok = write_file(batch_dir + "/build.ninja", build::write_batch_ninja(fragments), &err);

  BatchRun run;
  if (ok) {
    const bool verbose = first.req.verbose;
    if (verbose)
      reporter.event("command", first.req.ninja + " -j " + std::to_string(jobs) + " -k 0 (in " + batch_dir + ")");
    run = run_ninja(first.req.ninja, batch_dir, jobs, verbose, runner, reporter);
    ok = run.started;
    if (!ok) err = run.error;
  }
  std::string rest;
  std::vector<build::OutputPart> parts =
      ok ? build::split_ninja_output(run.result.output, owners, &rest) : std::vector<build::OutputPart>(ready.size());
  for (std::size_t n = 0; n < ready.size(); ++n) {
    PreparedModule& pm = mods[ready[n]];
    NinjaOutcome outcome;
    outcome.ran = ok;
    outcome.cancelled = reporter.cancelled();
    if (!ok) {
      outcome.log = "cannot run ninja: " + err;
    } else {
      const build::OutputPart& part = parts[n];
      // Failed, or not built at all (say, ninja stopped before reaching it).
      const bool built = access((pm.build_dir + "/" + pm.ninja.output).c_str(), F_OK) == 0;
      outcome.failed = part.failed || !built;
      outcome.log = part.log;
      // What no module claims (ninja's own lines) is the only module's, or
      // explains why a module was not built.
      if (ready.size() == 1 || (outcome.failed && !part.failed)) outcome.log += rest;
      // A fragment's commands run `cd DIR && ...` (ninja_file.hpp); the
      // command that failed is what follows, as a single build names it.
      const std::string cd = "cd " + build::shell_quote(pm.build_dir) + " && ";
      outcome.command = part.command.rfind(cd, 0) == 0 ? part.command.substr(cd.size()) : part.command;
    }
    finish_module(outcome, reporter, &pm);
  }
  if (!batch_dir.empty()) store.discard(batch_dir, first.result.key, false);
  return mods;
}

}  // namespace

bool build_module(const BuildRequest& req, build::ProcessRunner& runner, StoreOpener& stores, Reporter& reporter,
                  BuildResult* result, BuildFailure* failure) {
  std::vector<PreparedModule> mods =
      run_batch({req}, req.jobs > 0 ? req.jobs : default_jobs(), LockWait::Block, runner, stores, reporter);
  PreparedModule& pm = mods.front();
  *result = pm.result;
  *failure = pm.failure;
  if (pm.state != State::Done && pm.state != State::Failed) {
    failure->kind = BuildFailure::Kind::Input;
    failure->message = "build of " + req.module + " interrupted";
  }
  return pm.state == State::Done;
}

bool build_module(const BuildRequest& req, build::ProcessRunner& runner, Reporter& reporter, BuildResult* result,
                  BuildFailure* failure) {
  CacheStores stores;
  return build_module(req, runner, stores, reporter, result, failure);
}

std::vector<BatchOutcome> build_many(const std::vector<BuildRequest>& requests, int jobs, build::ProcessRunner& runner,
                                     StoreOpener& stores, Reporter& reporter) {
  if (jobs <= 0) jobs = default_jobs();
  std::vector<PreparedModule> mods = run_batch(requests, jobs, LockWait::Try, runner, stores, reporter);

  // Modules another process was building: wait for it, then it is a hit (or
  // we build them, again in one ninja run, if that process failed).
  std::vector<std::size_t> busy;
  std::vector<BuildRequest> waited;
  for (std::size_t i = 0; i < mods.size(); ++i)
    if (mods[i].state == State::Busy) {
      busy.push_back(i);
      waited.push_back(requests[i]);
    }
  if (!busy.empty() && !reporter.cancelled()) {
    std::vector<PreparedModule> again = run_batch(waited, jobs, LockWait::Block, runner, stores, reporter);
    for (std::size_t n = 0; n < busy.size(); ++n) mods[busy[n]] = std::move(again[n]);
  }

  std::vector<BatchOutcome> out(mods.size());
  for (std::size_t i = 0; i < mods.size(); ++i) {
    out[i].ok = mods[i].state == State::Done;
    out[i].result = mods[i].result;
    out[i].failure = mods[i].failure;
    if (!out[i].ok && mods[i].state != State::Failed) {
      out[i].failure.kind = BuildFailure::Kind::Input;
      out[i].failure.message = "build of " + requests[i].module + " interrupted";
    }
  }
  return out;
}

std::vector<BatchOutcome> build_many(const std::vector<BuildRequest>& requests, int jobs, build::ProcessRunner& runner,
                                     Reporter& reporter) {
  CacheStores stores;
  return build_many(requests, jobs, runner, stores, reporter);
}

}  // namespace cxximport::core
