"""Benchmark 7: OpenMP on a busy machine (issue 15, target 5).

The seed kernel (compute_prange, float64, 3000×2000) and a Jacobi stencil
(omp_stencil.cxxpyx: 50 sweeps of 400×400, one parallel region of ~50 µs per
sweep; `stencil` with a plain `parallel for`, `stencil_if` with the documented
`if(pyx::parallel_worth(cells))` clause)
run in fresh processes with OMP_NUM_THREADS=1 and =2, first on the machine as
it is, then beside two busy-loop processes. "cxximport default" is what a
user gets (the wait policy cxximport sets when the user set none);
"libgomp default" sets GOMP_SPINCOUNT=300000, libgomp's own spin count, which
cxximport respects and so reproduces the behaviour before issue 15.
Each process reports the min and median of its calls.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

from common import COMPETITORS, EXAMPLES, Context, Result, Target, fmt, run_python, table

NAME = "openmp_busy"
TITLE = "7. OpenMP beside two busy-loop processes"

PROBE = r"""
import json, sys, time
import numpy as np
import cxximport
cxximport.install(cache_dir={cache!r})
sys.path[:0] = [{examples!r}, {competitors!r}]
kernel = {kernel!r}
if kernel == "seed":
    from compute_prange import compute
    rng = np.random.default_rng(0)
    a1 = rng.uniform(0, 20, (3000, 2000)); a2 = rng.uniform(0, 20, (3000, 2000))
    call = lambda: compute(a1, a2, 4.0, 3.0, 9.0)
else:
    import omp_stencil
    jacobi = omp_stencil.jacobi if kernel == "stencil" else omp_stencil.jacobi_if
    u = np.random.default_rng(0).standard_normal((400, 400))
    call = lambda: jacobi(u, 50)
call()
samples = []
deadline = time.perf_counter() + {budget}
while len(samples) < {runs} and (len(samples) < 3 or time.perf_counter() < deadline):
    t0 = time.perf_counter(); call(); samples.append(time.perf_counter() - t0)
samples.sort()
print(json.dumps([samples[0], samples[len(samples) // 2]]))
"""

POLICIES = {"cxximport default": {}, "libgomp default (before)": {"GOMP_SPINCOUNT": "300000"}}


def probe(ctx: Context, kernel: str, threads: int, env: dict[str, str]) -> tuple[float, float]:
    code = PROBE.format(cache=ctx.cxximport_cache(), examples=EXAMPLES, competitors=COMPETITORS,
                        kernel=kernel, runs=5 if ctx.quick else 15, budget=10 if ctx.quick else 20)
    clean = {k: v for k, v in os.environ.items()
             if k not in ("OMP_WAIT_POLICY", "GOMP_SPINCOUNT", "OMP_NUM_THREADS")}
    full = {**clean, "OMP_NUM_THREADS": str(threads), **env}
    p = subprocess.run([sys.executable, "-c", code], env=full, capture_output=True, text=True,
                       timeout=900)
    if p.returncode != 0:
        raise RuntimeError(p.stderr[-3000:])
    lo, med = json.loads(p.stdout.strip().splitlines()[-1])
    return lo, med


def busy_loops(n: int) -> list[subprocess.Popen]:
    return [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(n)]


def run(ctx: Context) -> Result:
    res = Result(NAME, TITLE)
    ctx.cxximport("compute_prange")  # build both once, outside the timings
    ctx.cxximport("omp_stencil", COMPETITORS)
    run_python("pass")
    rows, targets = [], []
    for kernel in ("seed", "stencil", "stencil_if"):
        for policy, env in POLICIES.items():
            quiet = {t: probe(ctx, kernel, t, env) for t in (1, 2)}
            loops = busy_loops(2)
            try:
                time.sleep(0.5)
                busy = {t: probe(ctx, kernel, t, env) for t in (1, 2)}
            finally:
                for p in loops:
                    p.kill()
                    p.wait()
            ratio = busy[2][0] / busy[1][0]
            rows.append([kernel, policy, fmt(quiet[1][0], "ms"), fmt(quiet[2][0], "ms"),
                         fmt(busy[1][0], "ms"), fmt(busy[2][0], "ms"),
                         f"{busy[2][1] * 1e3:.1f}", f"{ratio:.2f}×"])
            if policy == "cxximport default" and kernel != "stencil":
                targets.append(Target(f"busy machine, {kernel}: 2 threads / 1 thread",
                                      f"{ratio:.2f}× ({fmt(busy[2][0], 'ms')} vs "
                                      f"{fmt(busy[1][0], 'ms')} ms)", "≤ 1.5×", ratio <= 1.5))
    res.sections.append(table(
        ["kernel", "wait policy", "quiet 1 thr ms", "quiet 2 thr ms", "busy 1 thr ms",
         "busy 2 thr ms", "busy 2 thr median ms", "busy 2 thr / 1 thr"], rows))
    res.targets.extend(targets)
    return res


if __name__ == "__main__":
    ctx = Context(quick=bool(os.environ.get("QUICK")))
    try:
        print(run(ctx).markdown())
    finally:
        ctx.close()
