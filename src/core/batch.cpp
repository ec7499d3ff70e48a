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

std::vector<BatchOutcome> build_many(const std::vector<BuildRequest>& requests, int jobs, build::ProcessRunner& runner,
                                     Reporter& reporter) {
  if (jobs <= 0) jobs = default_jobs();
  std::vector<PreparedModule> mods(requests.size());
  for (std::size_t i = 0; i < requests.size() && !reporter.cancelled(); ++i)
    prepare_module(requests[i], runner, reporter, LockWait::Try, &mods[i]);

  std::vector<std::size_t> ready;
  for (std::size_t i = 0; i < mods.size(); ++i)
    if (mods[i].state == State::Ready) ready.push_back(i);

  if (!ready.empty()) {
    // The top-level build.ninja and one fragment per module, in a private
    // build directory of the first module's cache (it is removed afterwards;
    // a crash leaves it to the cache's stale-directory cleanup).
    PreparedModule& first = mods[ready.front()];
    cache::Store& store = *first.store;
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
        outcome.log = "cannot run the batch build: " + err;
      } else {
        const build::OutputPart& part = parts[n];
        // Failed, or not built at all (say, ninja stopped before reaching it).
        const bool built = access((pm.build_dir + "/" + pm.ninja.output).c_str(), F_OK) == 0;
        outcome.failed = part.failed || !built;
        outcome.log = part.log;
        if (outcome.failed && !part.failed) outcome.log += rest;
        outcome.command = part.command;
      }
      finish_module(outcome, reporter, &pm);
    }
    if (!batch_dir.empty()) store.discard(batch_dir, first.result.key, false);
  }

  // Modules another process was building: wait for it, then it is a hit (or
  // we build it alone if that process failed).
  for (std::size_t i = 0; i < mods.size() && !reporter.cancelled(); ++i)
    if (mods[i].state == State::Busy) {
      BuildResult r;
      BuildFailure f;
      const bool good = build_module(requests[i], runner, reporter, &r, &f);
      mods[i].state = good ? State::Done : State::Failed;
      mods[i].result = r;
      mods[i].failure = f;
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

}  // namespace cxximport::core
