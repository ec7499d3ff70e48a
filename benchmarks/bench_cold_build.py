"""Benchmark 2: cold build of the tutorial's final module with empty caches.

Each sample is a new Python process with a fresh, empty cache or build
directory, timing (inside the process) the statement that builds: `import
compute_prange` through cxximport's hook, `import compute_cy_prange` through
pyximport, `cppimport.imp_from_filepath(compute_pb.cpp)` (pybind11), and
Numba's first call of the @njit(parallel=True) kernel. cxximport, pyximport
and cppimport compile all three fused types (int, double, long long); Numba
compiles one specialisation per first call, so its first calls for all three
dtypes are shown too. Also: where cxximport's cold build goes (ninja's log
in the cache entry) and what the runtime header costs the compiler.
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import sysconfig
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

NAME = "cold_build"
TITLE = "2. Cold build of the final module (fused int/double/long long + OpenMP), empty caches"

CXX = """
import time; t0 = time.perf_counter()
import cxximport; cxximport.install(); import compute_prange
print(time.perf_counter() - t0)
"""
PYX = """
import time; t0 = time.perf_counter()
import pyximport; pyximport.install(build_dir={build!r}, language_level=3); import compute_cy_prange
print(time.perf_counter() - t0)
"""
CPPIMPORT = """
import time; t0 = time.perf_counter()
import cppimport; m = cppimport.imp_from_filepath({src!r}, fullname="compute_pb")
print(time.perf_counter() - t0)
"""
NUMBA = """
import sys, time
import numpy as np
sys.path.insert(0, {competitors!r})
from compute_numba import compute  # decorating is lazy: the first call compiles
times = []
for dt in {dtypes}:
    a = np.ones((30, 20), dtype=dt)
    t0 = time.perf_counter(); compute(a, a, dt(4), dt(3), dt(9))
    times.append(time.perf_counter() - t0)
print(sum(times))
"""


def bare_compile(ctx: Context) -> float:
    """Seconds for `cc -O3 -fopenmp -shared` of floor.c, the hand-written C API
    module of the same kernel, with cxximport's -march: the bare compiler."""
    import numpy

    so = os.path.join(ctx.fresh_dir("cold-bare"), "floor.so")
    cmd = [os.environ.get("CC", "cc"), "-O3", "-DNDEBUG", "-fPIC", "-shared", "-fopenmp",
           "-march=x86-64-v3", "-I" + sysconfig.get_paths()["include"],
           "-I" + numpy.get_include(), os.path.join(COMPETITORS, "floor.c"), "-o", so]
    t0 = time.perf_counter()
    subprocess.run(cmd, check=True, capture_output=True)
    return time.perf_counter() - t0


def children_cpu() -> float:
    """CPU seconds (user + sys) of every finished child process and its own
    children so far: on a loaded machine, a measure that load inflates far less
    than wall time."""
    import resource

    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def module_flags(cache: str) -> list[str]:
    """cxxflags and ldflags of the cache entry's build.ninja: cxximport's flags."""
    for ninja in glob.glob(os.path.join(cache, "**", "build.ninja"), recursive=True):
        found = {}
        with open(ninja) as f:
            for ln in f:
                for key in ("cxxflags", "ldflags"):
                    if ln.startswith(key + " ="):
                        found[key] = ln.split("=", 1)[1].split()
        if "cxxflags" in found:
            return found["cxxflags"] + found.get("ldflags", [])
    raise RuntimeError(f"no build.ninja with cxxflags under {cache}")


def bare_cxx_compile(ctx: Context, flags: list[str]) -> float:
    """Seconds for `c++ <cxximport's flags> -shared` of floor_prange.cpp, the
    hand-written C API module equivalent to compute_prange (three dtypes,
    OpenMP, in C++): the issue's "equivalent module with the same flags"."""
    so = os.path.join(ctx.fresh_dir("cold-bare-cxx"), "floor_prange.so")
    cmd = [os.environ.get("CXX", "c++"), *flags, "-shared",
           os.path.join(COMPETITORS, "floor_prange.cpp"), "-o", so]
    t0 = time.perf_counter()
    subprocess.run(cmd, check=True, capture_output=True)
    return time.perf_counter() - t0


def time_report(cache: str) -> str:
    """GCC's -ftime-report of the cache entry's module.cpp compile, phases only."""
    for ninja in glob.glob(os.path.join(cache, "**", "build.ninja"), recursive=True):
        entry = os.path.dirname(ninja)
        with open(ninja) as f:
            flags = next((ln.split("=", 1)[1].split() for ln in f
                          if ln.startswith("cxxflags =")), None)
        if not flags:
            continue
        p = subprocess.run(["g++", *flags, "-fopenmp", "-ftime-report", "-c", "module.cpp",
                            "-o", os.devnull], cwd=entry, capture_output=True, text=True)
        keep = [ln for ln in p.stderr.splitlines()
                if ln.startswith((" phase", " TOTAL", " template instantiation",
                                  " preprocessing", " name lookup"))]
        return "\n".join(keep)
    return ""


def have(module: str) -> bool:
    import importlib.util

    return importlib.util.find_spec(module) is not None


def ninja_breakdown(cache: str) -> list[tuple[str, float]]:
    """(target, seconds) from the .ninja_log of the cache entry built in `cache`."""
    out = []
    for log in glob.glob(os.path.join(cache, "**", ".ninja_log"), recursive=True):
        with open(log) as f:
            for line in f:
                if line.startswith("#"):
                    continue
                parts = line.split("\t")
                if len(parts) >= 4:
                    out.append((parts[3], (int(parts[1]) - int(parts[0])) / 1e3))
    return out


def header_cost(runs: int) -> list[list[str]]:
    """Seconds for the C++ compiler to get through the headers alone (-O3, empty TU)."""
    import cxximport
    import numpy

    templates = os.path.join(os.path.dirname(cxximport.__file__), "templates")
    base = ["c++", "-std=c++20", "-O3", "-DNDEBUG", "-fPIC", "-I" + templates,
            "-isystem", sysconfig.get_paths()["include"], "-isystem", numpy.get_include(),
            "-x", "c++", "-c", "-", "-o", os.devnull]
    cases = [
        ("empty translation unit", ""),
        ("`<Python.h>`", "#include <Python.h>\n"),
        ("`<Python.h>` + `<numpy/arrayobject.h>`",
         "#include <Python.h>\n#include <numpy/arrayobject.h>\n"),
        ("`<pyx/pyx.hpp>` (cxximport runtime)", "#include <pyx/pyx.hpp>\n"),
        ("`<pybind11/numpy.h>`", None),
    ]
    rows = []
    for label, src in cases:
        cmd = base
        if src is None:
            try:
                import pybind11
            except ImportError:
                continue
            cmd = base[:1] + ["-std=c++17"] + base[2:] + ["-isystem", pybind11.get_include()]
            src = "#include <pybind11/numpy.h>\n"
        times = []
        for _ in range(runs):
            t0 = time.perf_counter()
            p = subprocess.run(cmd, input=src, capture_output=True, text=True)
            times.append(time.perf_counter() - t0)
            if p.returncode != 0:
                times = []
                break
        if times:
            rows.append([label, fmt(min(times), "ms")])
    return rows


def run(ctx: Context) -> Result:
    res = Result(NAME, TITLE)
    reps = 1 if ctx.quick else 3
    cases = [("cxximport", None), ("bare cc -O3 -fopenmp -shared of floor.c", None),
             ("bare c++ of floor_prange.cpp, cxximport's flags", None),
             ("pyximport (Cython)", "Cython"),
             ("cppimport (pybind11)", "cppimport"), ("Numba first call (intc)", "numba"),
             ("Numba first calls (3 dtypes)", "numba")]
    available = []
    for label, module in cases:
        if module and not have(module.lower() if module != "Cython" else "pyximport"):
            res.notes.append(f"{label}: skipped — {module} is not installed")
        else:
            available.append(label)

    samples: dict[str, list[float]] = {label: [] for label in available}
    cpu: dict[str, list[float]] = {label: [] for label in available}
    last_cxx_cache = ""
    for _ in range(reps):
        for label in available:
            c0 = children_cpu()
            if label.startswith("bare c++"):
                samples[label].append(bare_cxx_compile(ctx, module_flags(last_cxx_cache)))
                cpu[label].append(children_cpu() - c0)
                continue
            if label.startswith("bare"):
                samples[label].append(bare_compile(ctx))
                cpu[label].append(children_cpu() - c0)
                continue
            if label == "cxximport":
                cache = ctx.fresh_dir("cold-cxx")
                _, out = run_python(CXX, {"CXXIMPORT_CACHE_DIR": cache}, cwd=EXAMPLES)
                last_cxx_cache = cache
            elif label.startswith("pyximport"):
                build = ctx.fresh_dir("cold-pyx")
                _, out = run_python(PYX.format(build=build), cwd=COMPETITORS)
            elif label.startswith("cppimport"):
                d = ctx.fresh_dir("cold-cppimport")
                src = os.path.join(d, "compute_pb.cpp")
                shutil.copy(os.path.join(COMPETITORS, "compute_pb.cpp"), src)
                _, out = run_python(CPPIMPORT.format(src=src), cwd=d)
            else:
                dtypes = ("np.intc",) if "intc" in label else ("np.intc", "np.double",
                                                               "np.longlong")
                _, out = run_python(NUMBA.replace("{dtypes}", "(" + ", ".join(dtypes) + ",)")
                                    .replace("{competitors!r}", repr(COMPETITORS)),
                                    {"NUMBA_CACHE_DIR": ctx.fresh_dir("cold-numba")})
            samples[label].append(float(out.strip().splitlines()[-1]))
            cpu[label].append(children_cpu() - c0)

    rows = []
    pyx = min(samples["pyximport (Cython)"]) if "pyximport (Cython)" in samples else None
    for label in available:
        lo, med = stats(samples[label])
        rows.append([label, fmt(lo, "s"), fmt(med, "s"), fmt(min(cpu[label]), "s"),
                     f"{lo / pyx:.2f}×" if pyx else "—"])
    res.sections.append(
        f"Seconds for the statement that builds, in a new process with empty caches; "
        f"{reps} runs each (interleaved).\n\n"
        + "CPU s: user + sys of the process and everything it ran (for cxximport and the "
        "other importers this includes starting Python), the figure load distorts least.\n\n"
        + table(["tool", "min s", "median s", "min CPU s", "vs pyximport"], rows))
    res.charts.append(bar_chart(
        NAME, available, [min(samples[x]) for x in available],
        [stats(samples[x])[1] for x in available], "seconds",
        "Cold build of the final module (empty caches)"))

    steps = ninja_breakdown(last_cxx_cache)
    if steps:
        total_cxx = samples["cxximport"][-1]
        ninja_total = sum(s for _t, s in steps)
        rows = [[t, fmt(s, "s")] for t, s in steps]
        rows.append(["everything else (Python start of import, scan, key, generate, "
                     "ninja start, publish, load)", fmt(max(total_cxx - ninja_total, 0), "s")])
        res.sections.append("Where cxximport's last cold build went (`.ninja_log` of the "
                            "cache entry):\n\n" + table(["step", "seconds"], rows))
    hdr = header_cost(2 if ctx.quick else 5)
    if hdr:
        res.sections.append("Compile time of the headers alone (`c++ -O3 -c` of a file that "
                            "only includes them; min of runs):\n\n"
                            + table(["translation unit", "ms"], hdr))

    report = time_report(last_cxx_cache)
    if report:
        res.sections.append("Where the module compile goes (`g++ -ftime-report` of the cache "
                            "entry's module.cpp; columns: user, sys, wall, memory):\n\n```\n"
                            + report + "\n```")
    bare_label = "bare cc -O3 -fopenmp -shared of floor.c"
    if "cxximport" in samples and samples.get(bare_label):
        bare = min(samples[bare_label])
        ratio = min(samples["cxximport"]) / bare
        res.targets.append(Target("cold build: cxximport / bare compile of the C API module",
                                  f"{ratio:.2f}× ({min(samples['cxximport']):.2f} s vs "
                                  f"{bare:.2f} s)", "≤ 2×", ratio <= 2))
    eq_label = "bare c++ of floor_prange.cpp, cxximport's flags"
    if "cxximport" in samples and samples.get(eq_label):
        ratio = min(samples["cxximport"]) / min(samples[eq_label])
        cpu_ratio = min(cpu["cxximport"]) / min(cpu[eq_label])
        res.targets.append(Target("cold build: cxximport / bare c++ of the equivalent C++ C API "
                                  "module, same flags (wall; CPU)",
                                  f"{ratio:.2f}× ({min(samples['cxximport']):.2f} s vs "
                                  f"{min(samples[eq_label]):.2f} s); CPU {cpu_ratio:.2f}× "
                                  f"({min(cpu['cxximport']):.2f} vs {min(cpu[eq_label]):.2f} s)",
                                  "≤ 2×", ratio <= 2))
    if "cxximport" in samples and pyx:
        ratio = min(samples["cxximport"]) / pyx
        res.targets.append(Target("cold build: cxximport / pyximport",
                                  f"{ratio:.2f}× ({min(samples['cxximport']):.2f} s vs "
                                  f"{pyx:.2f} s)", "≤ 0.25×", ratio <= 0.25))
    res.notes.append("pyximport and cppimport compile with the interpreter's CFLAGS "
                     f"(`{sysconfig.get_config_var('CFLAGS')}`), which is what their users get.")
    res.notes.append("Numba's times exclude `import numba` and count only the compiling "
                     "first call(s).")
    return res
