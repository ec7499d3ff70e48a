"""Issue 10: an exported class against a hand-written C API type (the floor),
Cython's cdef class and nanobind, side by side in one run: a method call with
two scalars, an attribute read, an attribute write, construction +
destruction; and the cold build time of a 10-method class against the same
module with 10 free functions.
"""

from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
import tempfile
import time
import timeit
from typing import Any

from common import (
    COMPETITORS,
    EXT_SUFFIX,
    Context,
    Result,
    Skip,
    Target,
    load_extension,
    table,
)

NAME = "classes"
TITLE = "Classes (issue 10): ns per operation"

PROBES = [
    ("method p.add(1.0, 2.0)", "p.add(1.0, 2.0)"),
    ("attribute read p.x", "p.x"),
    ("attribute write p.x = 1.0", "p.x = 1.0"),
    ("construct + destroy Pair(1.0)", "P(1.0)"),
]


def build_floor(ctx: Context) -> Any:
    so = ctx.path("classes_floor", "classes_floor" + EXT_SUFFIX)
    cc = os.environ.get("CC", "cc")
    cmd = [
        cc,
        "-O3",
        "-shared",
        "-fPIC",
        "-I",
        sysconfig.get_paths()["include"],
        os.path.join(COMPETITORS, "classes_floor.c"),
        "-o",
        so,
    ]
    p = subprocess.run(cmd, capture_output=True, text=True)
    if p.returncode != 0:
        raise Skip(f"classes_floor.c does not build: {p.stderr[-1500:]}")
    return load_extension("classes_floor", so)


def build_nanobind(ctx: Context) -> Any:
    """competitors/nanobind/classes_nb.cpp with nanobind's documented CMake
    build (the classes_nb target only)."""
    try:
        import nanobind
    except ImportError as e:
        raise Skip(f"nanobind is not installed ({e})") from e
    if not hasattr(nanobind, "cmake_dir"):  # competitors/nanobind/ as a namespace package
        raise Skip("nanobind is not installed")
    build = ctx.path("nanobind-classes", "build", ".")
    src = os.path.join(COMPETITORS, "nanobind")
    cmds = [
        ["cmake", "-S", src, "-B", build, "-G", "Ninja", "-DCMAKE_BUILD_TYPE=Release",
         f"-Dnanobind_DIR={nanobind.cmake_dir()}", f"-DPython_EXECUTABLE={sys.executable}"],
        ["cmake", "--build", build, "--target", "classes_nb"],
    ]
    for cmd in cmds:
        try:
            p = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
        except (OSError, subprocess.SubprocessError) as e:
            raise Skip(f"CMake build of classes_nb.cpp failed: {e}") from e
        if p.returncode != 0:
            raise Skip(f"CMake build of classes_nb.cpp failed: {(p.stdout + p.stderr)[-1500:]}")
    return load_extension("classes_nb", os.path.join(build, "classes_nb" + EXT_SUFFIX))


def cold_build_seconds(source: str) -> float:
    import cxximport

    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "m.cxxpyx")
        with open(path, "w") as f:
            f.write(source)
        t = time.perf_counter()
        cxximport.build(path, cache_dir=os.path.join(d, "cache"))
        return time.perf_counter() - t


TEN_METHODS = (
    "PYX_EXPORT struct S {\n    double x = 0;\n"
    + "".join(
        f"    double m{k}(double a, double b) const {{ return x + a * {k} + b; }}\n"
        for k in range(10)
    )
    + "};\n"
)
TEN_FUNCTIONS = "".join(
    f"PYX_EXPORT double f{k}(double x, double a, double b) {{ return x + a * {k} + b; }}\n"
    for k in range(10)
)


def run(ctx: Context) -> Result:
    res = Result(NAME, TITLE)
    repeat, number = (5, 20_000) if ctx.quick else (20, 200_000)
    mods: list[tuple[str, Any]] = []
    for label, make in [
        ("hand-written C API type", lambda: build_floor(ctx)),
        ("cxximport", lambda: ctx.cxximport("classes", COMPETITORS)),
        ("Cython cdef class", lambda: ctx.pyximport("classes_cy")),
        ("nanobind", lambda: build_nanobind(ctx)),
    ]:
        try:
            mods.append((label, make()))
        except (Skip, ImportError) as e:
            res.notes.append(f"{label}: skipped — {str(e)[:300]}")
    best: dict[tuple[str, str], float] = {}
    for _ in range(repeat):
        for label, m in mods:
            for probe, stmt in PROBES:
                g = {"p": m.Pair(1.0), "P": m.Pair}
                t = timeit.Timer(stmt, globals=g).timeit(number) / number * 1e9
                best[(label, probe)] = min(t, best.get((label, probe), t))
    floor = "hand-written C API type"
    rows = []
    for probe, _ in PROBES:
        row = [probe]
        for label, _m in mods:
            ns = best[(label, probe)]
            rel = f" ({ns / best[(floor, probe)]:.2f}×)" if (floor, probe) in best else ""
            row.append(f"{ns:.1f}{rel}")
        rows.append(row)
        if ("cxximport", probe) in best and (floor, probe) in best:
            r = best[("cxximport", probe)] / best[(floor, probe)]
            res.targets.append(
                Target(f"{probe}: cxximport / floor", f"{r:.2f}×", "≤ 1.2×", r <= 1.2)
            )
        for other in ("Cython cdef class", "nanobind"):
            if ("cxximport", probe) in best and (other, probe) in best:
                r = best[("cxximport", probe)] / best[(other, probe)]
                res.targets.append(
                    Target(f"{probe}: cxximport / {other}", f"{r:.2f}×", "≤ 1.0×", r <= 1.0)
                )
    res.sections.append(
        f"Minimum over {repeat} timeit repeats of {number:,} operations, ns each "
        "(ratio to the hand-written floor).\n\n"
        + table(["operation"] + [lab for lab, _ in mods], rows)
    )
    cls = min(cold_build_seconds(TEN_METHODS) for _ in range(1 if ctx.quick else 3))
    fns = min(cold_build_seconds(TEN_FUNCTIONS) for _ in range(1 if ctx.quick else 3))
    res.sections.append(
        table(
            ["cold build", "seconds"],
            [["one class, 10 methods", f"{cls:.2f}"], ["10 free functions", f"{fns:.2f}"]],
        )
    )
    res.targets.append(
        Target(
            "cold build: 10-method class / 10 functions",
            f"{cls / fns:.2f}×",
            "≤ 1.5×",
            cls / fns <= 1.5,
        )
    )
    return res
