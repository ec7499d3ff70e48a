"""6. PYX_UFUNC against NumPy built-ins, Numba @vectorize and a hand-written
PyUFunc_FromFuncAndData floor (issue 11).

- a*x+y as one 3-input ufunc against np.add(np.multiply(a, x), y) (two passes
  and a temporary), and sqrt(x*x+y*y) against np.hypot, on 10^7 float64 and
  float32 elements, every output preallocated (out=), so the loops are timed;
- the same rules as Numba @vectorize(cache=True) ufuncs, and as the
  hand-written C ufunc of competitors/ufunc_floor.c (the floor);
- the per-call overhead of a 1-element call against np.add;
- PYX_UFUNC_PARALLEL: serial against two threads by size (where the default
  threshold comes from).

Run alone with ``python benchmarks/bench_ufunc.py [--quick]`` or through run.py;
``BENCH_UFUNC_RUNS=40`` takes more samples on a busy machine.
"""

from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
import timeit

from common import (
    COMPETITORS,
    EXT_SUFFIX,
    Context,
    Result,
    Skip,
    Target,
    fmt,
    load_extension,
    stats,
    table,
    time_calls,
)

NAME = "ufunc"
TITLE = "6. Ufuncs: PYX_UFUNC against NumPy, Numba @vectorize and the hand-written floor"

N = 10_000_000


def _cxx(ctx: Context):
    return ctx.cxximport("ufuncs", COMPETITORS)


def _floor(ctx: Context, cxx_module) -> object:
    import numpy

    ninja_file = os.path.join(os.path.dirname(cxx_module.__file__), "build.ninja")
    with open(ninja_file) as f:
        march = [w for w in f.read().split() if w.startswith("-march=")][:1]
    so = ctx.path("ufunc_floor", "ufunc_floor" + EXT_SUFFIX)
    # -fno-math-errno as cxximport's ufunc modules: a careful engineer's loop vectorises sqrt.
    cmd = [os.environ.get("CC", "cc"), "-O3", "-DNDEBUG", "-fno-math-errno", "-fPIC", "-shared",
           *march,
           "-I" + sysconfig.get_paths()["include"], "-I" + numpy.get_include(),
           os.path.join(COMPETITORS, "ufunc_floor.c"), "-o", so, "-lm"]
    p = subprocess.run(cmd, capture_output=True, text=True)
    if p.returncode != 0:
        raise Skip(f"ufunc_floor.c does not build: {p.stderr[-2000:]}")
    return load_extension("ufunc_floor", so)


def _numba(ctx: Context):
    os.environ.setdefault("NUMBA_CACHE_DIR", ctx.path("numba-cache", "."))
    try:
        import math

        from numba import vectorize
    except ImportError as e:
        raise Skip(f"Numba is not installed ({e})") from e

    @vectorize(["float32(float32, float32, float32)", "float64(float64, float64, float64)"],
               cache=True)
    def axpy(a, x, y):
        return a * x + y

    @vectorize(["float32(float32, float32)", "float64(float64, float64)"], cache=True)
    def hyp(x, y):
        return math.sqrt(x * x + y * y)

    return axpy, hyp


def run(ctx: Context) -> Result:
    import numpy as np

    res = Result(NAME, TITLE)
    cx = _cxx(ctx)
    notes = []
    try:
        floor = _floor(ctx, cx)
    except Skip as e:
        floor = None
        notes.append(f"floor skipped: {e}")
    try:
        nb_axpy, nb_hyp = _numba(ctx)
    except Skip as e:
        nb_axpy = nb_hyp = None
        notes.append(f"Numba skipped: {e}")
    runs = 3 if ctx.quick else int(os.environ.get("BENCH_UFUNC_RUNS", "15"))
    rng = np.random.default_rng(0)
    rows = []
    targets = []
    for dt in (np.float64, np.float32):
        a, x, y = (rng.random(N).astype(dt) for _ in range(3))
        out, tmp = np.empty(N, dt), np.empty(N, dt)

        def numpy_axpy(a=a, x=x, y=y, out=out, tmp=tmp):
            np.multiply(a, x, out=tmp)
            np.add(tmp, y, out=out)

        cases = {
            "a*x+y": {
                "cxximport": lambda a=a, x=x, y=y, out=out: cx.axpy(a, x, y, out=out),
                "NumPy": numpy_axpy,
                "Numba": nb_axpy and (lambda a=a, x=x, y=y, out=out: nb_axpy(a, x, y, out=out)),
                "floor": floor and (lambda a=a, x=x, y=y, out=out: floor.axpy(a, x, y, out=out)),
            },
            "hypot": {
                "cxximport": lambda x=x, y=y, out=out: cx.hyp(x, y, out=out),
                "NumPy": lambda x=x, y=y, out=out: np.hypot(x, y, out=out),
                "Numba": nb_hyp and (lambda x=x, y=y, out=out: nb_hyp(x, y, out=out)),
                "floor": floor and (lambda x=x, y=y, out=out: floor.hyp(x, y, out=out)),
            },
        }
        np.testing.assert_allclose(cx.axpy(a, x, y), a * x + y, rtol=1e-6)
        np.testing.assert_allclose(cx.hyp(x, y), np.hypot(x, y), rtol=1e-5)
        for rule, fns in cases.items():
            fns = {k: f for k, f in fns.items() if f}
            samples = {k: [] for k in fns}
            for _ in range(runs):  # interleaved: the machine's noise hits all alike
                for k, f in fns.items():
                    samples[k] += time_calls(f, 1, warmup=1 if not samples[k] else 0)
            best = {k: stats(v)[0] for k, v in samples.items()}
            c = best["cxximport"]
            rows.append([f"{rule} {np.dtype(dt).name}",
                         *[fmt(best[k], "ms") if k in best else "-" for k in
                           ("cxximport", "NumPy", "Numba", "floor")],
                         f"{best['NumPy'] / c:.2f}×",
                         f"{best['Numba'] / c:.2f}×" if "Numba" in best else "-",
                         f"{c / best['floor']:.2f}×" if "floor" in best else "-"])
            name = f"{rule} {np.dtype(dt).name}"
            targets.append(Target(f"{name}: NumPy / cxximport", f"{best['NumPy'] / c:.2f}×",
                                  "≥ 1 (faster than a composition)" if rule == "a*x+y" else "≥ 1",
                                  best["NumPy"] >= c))
            if "Numba" in best:
                targets.append(Target(f"{name}: Numba / cxximport", f"{best['Numba'] / c:.2f}×",
                                      "≥ 1 (not slower)", best["Numba"] >= c * 0.97))
            if "floor" in best:
                targets.append(Target(f"{name}: cxximport / floor", f"{c / best['floor']:.2f}×",
                                      "≤ 1.1", c <= 1.1 * best["floor"]))
    res.sections.append(
        f"{N:,} elements, outputs preallocated (`out=`), best of {runs} interleaved runs, ms.\n\n"
        + table(["rule", "cxximport", "NumPy", "Numba", "floor", "NumPy/cx", "Numba/cx",
                 "cx/floor"], rows))

    # Per-call overhead on 1-element arrays.
    one_a, one_b = np.ones(1), np.ones(1)
    number = 20_000 if ctx.quick else 200_000
    over = {}
    for label, stmt in (("np.add", lambda: np.add(one_a, one_b)),
                        ("cxximport add2", lambda: cx.add2(one_a, one_b))):
        over[label] = min(timeit.repeat(stmt, number=number, repeat=5)) / number
    ratio = over["cxximport add2"] / over["np.add"]
    res.sections.append("Per call on 1-element float64 arrays (ns, best of 5 × "
                        f"{number:,}):\n\n" + table(["ufunc", "ns/call"],
                                                     [[k, fmt(v, "ns")] for k, v in over.items()])
                        + f"\n\nratio cxximport / NumPy: {ratio:.2f}×")
    targets.append(Target("1-element call: cxximport / np.add", f"{ratio:.2f}×", "≤ 1.2",
                          ratio <= 1.2))

    # Serial against two threads by size: where PYX_UFUNC_PARALLEL pays off.
    par_rows = []
    for n in (10_000, 50_000, 100_000, 200_000, 500_000, 1_000_000):
        a, x, y = (rng.random(n) for _ in range(3))
        out = np.empty(n)
        reps = max(5, 2_000_000 // n)
        args = (a, x, y)
        s = min(timeit.repeat(lambda f=cx.axpy, args=args, out=out: f(*args, out=out),
                              number=reps, repeat=5)) / reps
        p = min(timeit.repeat(lambda f=cx.axpy_par, args=args, out=out: f(*args, out=out),
                              number=reps, repeat=5)) / reps
        par_rows.append([f"{n:,}", fmt(s, "us"), fmt(p, "us"), f"{s / p:.2f}×"])
    res.sections.append("a*x+y float64, serial against PYX_UFUNC_PARALLEL (OMP threads: "
                        f"{os.environ.get('OMP_NUM_THREADS', 'all cores')}), us per call:\n\n"
                        + table(["elements", "serial", "parallel", "speed-up"], par_rows))
    res.targets += targets
    res.notes += notes
    return res


if __name__ == "__main__":
    ctx = Context(quick="--quick" in sys.argv)
    try:
        result = run(ctx)
        print(result.markdown())
    finally:
        ctx.close()
