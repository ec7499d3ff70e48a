"""Benchmark 3: warm import (a cache hit) in a new process.

Wall time of whole `python -c ...` processes, interleaved round robin:
`import numpy` alone, then numpy plus a cxximport cache hit of
compute_prange, numpy plus a pyximport cache hit of compute_cy_prange, and
two references (`pass`, and numpy plus `import cxximport; install()` without
importing a module, which splits cxximport's overhead into "package" and
"hit path"). The overhead of each is its time minus `import numpy`'s. A
`python -X importtime` run lists what the cxximport hit imports beyond numpy.

Where a hit's time goes: each process also times the hit's stages in-process
(`import cxximport`, `install()`, the finder, `_options.resolve`, `import
_core`, `_core.build`, opening the validated .so, its `dlopen` and init).
Before/after in one run: with ``CXXIMPORT_BENCH_BEFORE_PYTHON`` naming the
interpreter of a venv holding the baseline build of cxximport, its hits and
stages are measured in the same interleaved rounds, each in its own cache.
"""

from __future__ import annotations

import glob
import os
import subprocess
import sys
import time

from common import (
    COMPETITORS,
    EXAMPLES,
    Context,
    Result,
    Target,
    bar_chart,
    fmt,
    run_python,
    stats,
    table,
)

NAME = "warm_import"
TITLE = "3. Warm import in a new process (cache hit)"


def importtime(code: str, env: dict[str, str], cwd: str) -> dict[str, tuple[int, int]]:
    """{module: (self us, cumulative us)} from python -X importtime."""
    p = subprocess.run([sys.executable, "-X", "importtime", "-c", code],
                       env={**os.environ, **env}, cwd=cwd, capture_output=True, text=True)
    out = {}
    for line in p.stderr.splitlines():
        if not line.startswith("import time:") or "self [us]" in line:
            continue
        self_us, cum_us, name = (x.strip() for x in line[len("import time:"):].split("|"))
        out[name.strip()] = (int(self_us), int(cum_us))
    return out


# The hit, stage by stage, in one process (perf_counter_ns around each call the
# import system would make; the same calls, without the import statement).
STAGES = """
import os, sys, time, numpy
ns = time.perf_counter_ns
t = [ns()]
import cxximport
t.append(ns())
finder = cxximport.install()
t.append(ns())
from cxximport import _loader, _options
spec = finder.find_spec("compute_prange", None)
t.append(ns())
with _loader.building():
    options = _options.resolve(spec.origin, finder.options)
t.append(ns())
from cxximport import _core
t.append(ns())
with _loader.building():
    result = _core.build(spec.origin, "compute_prange", options)
t.append(ns())
path = _loader.open_validated(result)
t.append(ns())
_loader._load_extension("compute_prange", path)
t.append(ns())
print(" ".join(str(b - a) for a, b in zip(t, t[1:])))
"""
STAGE_NAMES = ["import cxximport", "install()", "finder.find_spec", "_options.resolve",
               "import _core", "_core.build (hit)", "open_validated", "dlopen + module init"]


def run_with(python: str, code: str, env: dict[str, str], cwd: str | None) -> tuple[float, str]:
    """run_python with another interpreter (the baseline's venv)."""
    t0 = time.perf_counter()
    p = subprocess.run([python, "-c", code], env={**os.environ, **env}, cwd=cwd,
                       capture_output=True, text=True)
    wall = time.perf_counter() - t0
    if p.returncode != 0:
        raise RuntimeError(f"{python} -c {code!r} failed ({p.returncode}):\n{p.stderr[-3000:]}")
    return wall, p.stdout


def run(ctx: Context) -> Result:
    res = Result(NAME, TITLE)
    reps = 5 if ctx.quick else 20
    cxx_cache = ctx.fresh_dir("warm-cxx")
    pyx_build = ctx.fresh_dir("warm-pyx")
    cxx_env = {"CXXIMPORT_CACHE_DIR": cxx_cache}
    # Each process also prints the time of what follows `import numpy` (a
    # paired measurement: far less noisy than a difference of two processes).
    timer = "import time, numpy; t0 = time.perf_counter(); {}; print(time.perf_counter() - t0)"
    hit_cxx = timer.format("import cxximport; cxximport.install(); import compute_prange")
    hit_pyx = timer.format(f"import pyximport; pyximport.install(build_dir={pyx_build!r}, "
                           "language_level=3); import compute_cy_prange")
    cases = [
        ("python -c pass", "pass", {}, None),
        ("import numpy", "import numpy", {}, None),
        ("numpy + import cxximport; install()",
         timer.format("import cxximport; cxximport.install()"), cxx_env, EXAMPLES),
        ("numpy + cxximport hit (compute_prange)", hit_cxx, cxx_env, EXAMPLES),
    ]
    notes = res.notes
    try:
        run_python(hit_pyx, cwd=COMPETITORS)  # warm the pyximport build dir
        cases.append(("numpy + pyximport hit (compute_cy_prange)", hit_pyx, {}, COMPETITORS))
    except RuntimeError as e:
        notes.append(f"pyximport: skipped — {str(e)[-300:]}")
    run_python(hit_cxx, cxx_env, cwd=EXAMPLES)  # warm the cxximport cache
    built = glob.glob(os.path.join(cxx_cache, "**", "compute_prange*.so"), recursive=True)
    if built:  # the floor of any hit path: loading the cached .so directly
        cases.append(("numpy + dlopen the cached .so directly (floor)", timer.format(
            "import importlib.machinery as m, importlib.util as u; "
            f"l = m.ExtensionFileLoader('compute_prange', {built[0]!r}); "
            "l.exec_module(u.module_from_spec(u.spec_from_loader('compute_prange', l)))"),
            {}, None))
    before = os.environ.get("CXXIMPORT_BENCH_BEFORE_PYTHON")
    pythons = {"after": sys.executable}
    if before:
        pythons = {"before": before, "after": sys.executable}
        before_env = {"CXXIMPORT_CACHE_DIR": ctx.fresh_dir("warm-cxx-before")}
        run_with(before, hit_cxx, before_env, EXAMPLES)  # warm its cache
        cases.append(("BEFORE: numpy + import cxximport; install()",
                      timer.format("import cxximport; cxximport.install()"), before_env, EXAMPLES))
        cases.append(("BEFORE: numpy + cxximport hit (compute_prange)", hit_cxx, before_env,
                      EXAMPLES))
    stage_env = {"after": cxx_env, "before": before_env if before else cxx_env}
    for label, code, env, cwd in cases:  # and the OS's file cache
        (run_with(before, code, env, cwd) if label.startswith("BEFORE") else
         run_python(code, env, cwd=cwd))
    stages: dict[str, list[list[int]]] = {k: [] for k in pythons}

    samples: dict[str, list[float]] = {c[0]: [] for c in cases}
    inner: dict[str, list[float]] = {}
    for _ in range(reps):
        for which, python in pythons.items():
            _, out = run_with(python, STAGES, stage_env[which], EXAMPLES)
            stages[which].append([int(x) for x in out.split()])
        for label, code, env, cwd in cases:
            wall, out = (run_with(before, code, env, cwd) if label.startswith("BEFORE") else
                         run_python(code, env, cwd=cwd))
            samples[label].append(wall)
            if out.strip():
                inner.setdefault(label, []).append(float(out.strip().splitlines()[-1]))

    base_min, base_med = stats(samples["import numpy"])
    rows = []
    for label, *_ in cases:
        lo, med = stats(samples[label])
        paired = stats(inner[label]) if label in inner else None
        rows.append([label, fmt(lo, "ms"), fmt(med, "ms"),
                     fmt(lo - base_min, "ms"), fmt(med - base_med, "ms"),
                     fmt(paired[0], "ms") if paired else "—",
                     fmt(paired[1], "ms") if paired else "—"])
    res.sections.append(
        f"Wall time of the whole process, {reps} runs each (interleaved), in ms; "
        "overhead = minus `import numpy`'s. The last two columns are timed inside the "
        "same processes, from after `import numpy` to the end (the overhead without "
        "the noise of comparing separate processes).\n\n"
        + table(["process", "min", "median", "overhead (min)", "overhead (median)",
                 "in-process after numpy (min)", "(median)"], rows))
    labels = [c[0] for c in cases]
    try:
        res.charts.append(bar_chart(NAME, labels, [min(samples[x]) * 1e3 for x in labels],
                                    [stats(samples[x])[1] * 1e3 for x in labels],
                                    "ms per process", "Warm import in a new process",
                                    highlight=lambda s: "cxximport" in s))
    except ImportError as e:  # matplotlib is optional
        notes.append(f"chart skipped: {e}")

    # Where the hit's time goes, stage by stage (min and median over the runs).
    head = ["stage"]
    cols = []
    for which in pythons:
        head += [f"{which} min µs", f"{which} median µs"]
        cols.append([stats([float(r[i]) for r in stages[which]]) for i in range(len(STAGE_NAMES))])
    rows = []
    for i, name in enumerate(STAGE_NAMES + ["total"]):
        row = [name]
        for which, col in zip(pythons, cols, strict=True):
            if name == "total":
                totals = [float(sum(r)) for r in stages[which]]
                lo, med = stats(totals)
            else:
                lo, med = col[i]
            row += [f"{lo / 1e3:.0f}", f"{med / 1e3:.0f}"]
        rows.append(row)
    res.sections.append(
        f"The hit stage by stage, in-process after `import numpy`, {reps} processes "
        "(µs; the total is per process, so it is not the sum of the minima):\n\n"
        + table(head, rows))

    # What the hit imports beyond numpy (self time, us).
    numpy_only = importtime("import numpy", {}, EXAMPLES)
    hit = importtime(hit_cxx, cxx_env, EXAMPLES)
    if before:
        p = subprocess.run([before, "-X", "importtime", "-c", hit_cxx], cwd=EXAMPLES,
                           env={**os.environ, **before_env}, capture_output=True, text=True)
        was = sum(int(line.split("|")[0].split(":")[1]) for line in p.stderr.splitlines()
                  if line.startswith("import time:") and "self [us]" not in line
                  and line.split("|")[2].strip() not in numpy_only)
        now = sum(t[0] for m, t in hit.items() if m not in numpy_only)
        notes.append(f"`-X importtime`, self time beyond numpy: before {was / 1e3:.2f} ms, "
                     f"after {now / 1e3:.2f} ms")
    extra = sorted(((m, t) for m, t in hit.items() if m not in numpy_only),
                   key=lambda kv: -kv[1][0])
    if extra:
        total = sum(t[0] for _m, t in extra)
        rows = [[m, str(s), str(c)] for m, (s, c) in extra[:12]]
        res.sections.append(
            f"`python -X importtime`: modules the cxximport hit imports beyond numpy "
            f"({len(extra)} modules, {total / 1e3:.1f} ms self time in total; top 12):\n\n"
            + table(["module", "self µs", "cumulative µs"], rows))

    hit_label = "numpy + cxximport hit (compute_prange)"
    over_min, over_med = stats(inner[hit_label])
    res.targets.append(Target("warm import: cxximport hit overhead over `import numpy`",
                              f"{over_min * 1e3:.1f} ms (min), {over_med * 1e3:.1f} ms (median), "
                              "in-process", "≤ 1 ms (issue 15)", over_min <= 0.001))
    return res
