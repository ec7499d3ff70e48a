"""Benchmark 5: many modules ahead of time with `cxximport build DIR -j N`.

Twenty generated small modules (a scalar function and a fused array
function each), built with fresh caches at -j 1 and -j 2, and — as the
yardstick of what two cores can give — two `-j 1` processes on half of the
modules each, run at the same time.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time

from common import Context, Result, Target, bar_chart, fmt, stats, table

NAME = "many_modules"
TITLE = "5. Many modules: `cxximport build DIR -j N`, fresh caches"

MODULE = """\
// Generated small module number {n} for the many-modules benchmark.
#include <stdexcept>

/// Scale a scalar.
PYX_EXPORT double scale{n}(double x, double k = {n}.5) {{ return x * k; }}

/// Sum of a 1-D array of int, double or long long, plus {n}.
template <pyx::fused<int, double, long long> T>
PYX_EXPORT double total{n}(pyx::view<const T, 1> a) {{
    double s = {n};
    for (Py_ssize_t i = 0; i < a.shape(0); ++i) s += a(i);
    return s;
}}
"""


def generate(directory: str, count: int, start: int = 0) -> None:
    os.makedirs(directory, exist_ok=True)
    for n in range(start, start + count):
        with open(os.path.join(directory, f"many_{n:02d}.cxxpyx"), "w") as f:
            f.write(MODULE.format(n=n))


def build_cmd(directory: str, jobs: int, cache: str) -> list[str]:
    return [sys.executable, "-m", "cxximport", "build", directory, "-j", str(jobs),
            "--cache-dir", cache]


def timed(cmds: list[list[str]]) -> float:
    """Wall seconds until every command (started together) has finished."""
    t0 = time.perf_counter()
    procs = [subprocess.Popen(c, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for c in cmds]
    for p, c in zip(procs, cmds, strict=True):
        out, err = p.communicate()
        if p.returncode != 0:
            raise RuntimeError(f"{' '.join(c)} failed:\n{out[-1500:]}\n{err[-1500:]}")
    return time.perf_counter() - t0


def run(ctx: Context) -> Result:
    res = Result(NAME, TITLE)
    count = 6 if ctx.quick else 20
    reps = 1 if ctx.quick else 2
    all_dir = ctx.path("many", "all", ".")
    half_a = ctx.path("many", "a", ".")
    half_b = ctx.path("many", "b", ".")
    generate(all_dir, count)
    generate(half_a, count // 2)
    generate(half_b, count - count // 2, start=count // 2)

    cases = {
        "-j 1": lambda: [build_cmd(all_dir, 1, ctx.fresh_dir("many-j1"))],
        "-j 2": lambda: [build_cmd(all_dir, 2, ctx.fresh_dir("many-j2"))],
        "2 processes × -j 1, half each (yardstick)": lambda: [
            build_cmd(half_a, 1, ctx.fresh_dir("many-pa")),
            build_cmd(half_b, 1, ctx.fresh_dir("many-pb"))],
    }
    samples: dict[str, list[float]] = {k: [] for k in cases}
    for _ in range(reps):
        for label, make in cases.items():
            samples[label].append(timed(make()))

    j1 = min(samples["-j 1"])
    rows = []
    for label in cases:
        lo, med = stats(samples[label])
        rows.append([label, fmt(lo, "s"), fmt(med, "s"), f"{lo / count:.2f}",
                     f"{j1 / lo:.2f}×"])
    res.sections.append(
        f"{count} modules, wall seconds, {reps} runs each (interleaved).\n\n"
        + table(["build", "min s", "median s", "s per module", "speed-up vs -j 1"], rows))
    labels = list(cases)
    res.charts.append(bar_chart(NAME, labels, [min(samples[x]) for x in labels],
                                [stats(samples[x])[1] for x in labels], "seconds",
                                f"{count} modules, cxximport build",
                                highlight=lambda s: s.startswith("-j")))
    ratio = j1 / min(samples["-j 2"])
    res.targets.append(Target(f"{count} modules: -j 2 speed-up over -j 1",
                              f"{ratio:.2f}×", "≥ 1.7×", ratio >= 1.7))
    return res
