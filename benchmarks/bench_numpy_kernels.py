"""Benchmark 6: everyday NumPy kernels, against NumPy and Numba (issue 15, target 4).

"cxximport vecmath=false" is the same source built without the numerics
defaults (the state before issue 15, except that pyx::sum existed then).

Each kernel is a public NumPy idiom (a reduction, an elementwise ufunc in
float64 and float32, complex abs and multiply, a stencil, loop kernels NumPy
writes as cumsum/where, pairwise distances), written once in plain C++
(competitors/numpy_kernels.cxxpyx, default flags) and once as a plain Numba
@njit loop (no fastmath). Every result is checked against NumPy first; samples
are interleaved across the three. Ratios are NumPy's time over the other's:
above 1 is faster than NumPy. The last row is the geometric mean.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable
from typing import Any

import numpy as np
from common import COMPETITORS, Context, Result, Skip, Target, fmt, stats, table

NAME = "numpy_kernels"
TITLE = "6. Everyday NumPy kernels (cxximport and Numba against NumPy)"

N = 200_000  # float64: 1.6 MB, inside L2: the kernels' compute, not DRAM bandwidth


def numba_kernels() -> dict[str, Callable[..., Any]]:
    try:
        import numba
    except ImportError as e:
        raise Skip(f"Numba is not installed ({e})") from e
    njit = numba.njit(cache=False, nogil=True)

    def map1(f: Callable[[float], float]) -> Callable[..., Any]:
        @numba.njit
        def run(x):
            out = np.empty_like(x)
            for i in range(x.shape[0]):
                out[i] = f(x[i])
            return out

        return run

    @njit
    def nsum(x):
        s = 0.0
        for i in range(x.shape[0]):
            s += x[i]
        return s

    @njit
    def ndot(x, y):
        s = 0.0
        for i in range(x.shape[0]):
            s += x[i] * y[i]
        return s

    @njit
    def npow(x, e):
        out = np.empty_like(x)
        p = x.dtype.type(e)
        for i in range(x.shape[0]):
            out[i] = x[i] ** p
        return out

    @njit
    def ncabs(z):
        out = np.empty(z.shape[0])
        for i in range(z.shape[0]):
            out[i] = abs(z[i])
        return out

    @njit
    def ncmul(a, b):
        out = np.empty_like(a)
        for i in range(a.shape[0]):
            out[i] = a[i] * b[i]
        return out

    @njit
    def nstencil(u):
        out = u.copy()
        for i in range(1, u.shape[0] - 1):
            for j in range(1, u.shape[1] - 1):
                out[i, j] = 0.25 * (u[i - 1, j] + u[i + 1, j] + u[i, j - 1] + u[i, j + 1])
        return out

    @njit
    def ncumsum(x):
        out = np.empty_like(x)
        s = 0.0
        for i in range(x.shape[0]):
            s += x[i]
            out[i] = s
        return out

    @njit
    def nleaky(x):
        out = np.empty_like(x)
        for i in range(x.shape[0]):
            v = x[i]
            if v > 0:
                out[i] = v
            else:
                out[i] = 0.1 * v
        return out

    @njit
    def npairwise(x):
        n, d = x.shape
        out = np.empty((n, n))
        for i in range(n):
            for j in range(n):
                s = 0.0
                for k in range(d):
                    t = x[i, k] - x[j, k]
                    s += t * t
                out[i, j] = math.sqrt(s)
        return out

    return {
        "sum": nsum, "norm": lambda x: math.sqrt(ndot(x, x)), "dot": ndot,
        "exp": map1(math.exp), "log": map1(math.log), "sin": map1(math.sin),
        "cos": map1(math.cos), "sqrt": map1(math.sqrt), "pow": npow, "cabs": ncabs,
        "cmul": ncmul, "stencil": nstencil, "cumsum": ncumsum, "leaky": nleaky,
        "pairwise": npairwise,
    }


def cases() -> list[tuple[str, str, Callable[..., Any], tuple, float]]:
    """(row label, kernel key, NumPy idiom, arguments, rtol)."""
    rng = np.random.default_rng(15)
    x = rng.uniform(0.1, 4.0, N)
    y = rng.uniform(-1.0, 1.0, N)
    x32 = x.astype(np.float32)
    z = (rng.standard_normal(N) + 1j * rng.standard_normal(N))
    w = (rng.standard_normal(N) + 1j * rng.standard_normal(N))
    u = rng.standard_normal((500, 400))
    pts = rng.standard_normal((400, 3))
    rows = [
        ("float64 sum", "sum", np.sum, (x,), 1e-12),
        ("float64 L2 norm", "norm", np.linalg.norm, (x,), 1e-12),
        ("float64 dot", "dot", np.dot, (x, y), 1e-9),
    ]
    for dt, arr, tol in (("float64", x, 1e-13), ("float32", x32, 1e-5)):
        rows += [
            (f"{dt} exp", "exp", np.exp, (arr,), tol),
            (f"{dt} log", "log", np.log, (arr,), tol),
            (f"{dt} sin", "sin", np.sin, (arr,), tol),
            (f"{dt} cos", "cos", np.cos, (arr,), tol),
            (f"{dt} pow", "pow", lambda a, e: np.power(a, a.dtype.type(e)), (arr, 1.7), tol),
            (f"{dt} sqrt", "sqrt", np.sqrt, (arr,), tol),
        ]
    rows += [
        ("complex128 abs", "cabs", np.abs, (z,), 1e-14),
        ("complex128 multiply", "cmul", np.multiply, (z, w), 1e-14),
        ("stencil 500×400 (5-point)", "stencil", numpy_stencil, (u,), 1e-14),
        ("running sum (cumsum)", "cumsum", np.cumsum, (y,), 1e-9),
        ("if-branch loop (leaky ReLU)", "leaky", lambda a: np.where(a > 0, a, 0.1 * a), (y,), 0),
        ("pairwise distances 400×3", "pairwise", numpy_pairwise, (pts,), 1e-12),
    ]
    return rows


def numpy_stencil(u: np.ndarray) -> np.ndarray:
    out = u.copy()
    out[1:-1, 1:-1] = 0.25 * (u[:-2, 1:-1] + u[2:, 1:-1] + u[1:-1, :-2] + u[1:-1, 2:])
    return out


def numpy_pairwise(x: np.ndarray) -> np.ndarray:
    return np.sqrt(((x[:, None, :] - x[None, :, :]) ** 2).sum(-1))


def cxx_kernels(mod: Any) -> dict[str, Callable[..., Any]]:
    return {
        "sum": mod.sum_f64, "norm": mod.norm_f64, "dot": mod.dot_f64, "exp": mod.exp_,
        "log": mod.log_, "sin": mod.sin_, "cos": mod.cos_, "sqrt": mod.sqrt_, "pow": mod.pow_,
        "cabs": mod.cabs, "cmul": mod.cmul, "stencil": mod.stencil, "cumsum": mod.cumsum,
        "leaky": mod.leaky, "pairwise": mod.pairwise,
    }


def interleaved(fns: list[Callable[[], Any]], rounds: int, reps: int) -> list[list[float]]:
    """Per function, `rounds` samples of the mean of `reps` calls, rounds interleaved."""
    import time

    samples: list[list[float]] = [[] for _ in fns]
    for f in fns:
        f()
    for _ in range(rounds):
        for k, f in enumerate(fns):
            t0 = time.perf_counter()
            for _ in range(reps):
                f()
            samples[k].append((time.perf_counter() - t0) / reps)
    return samples


def run(ctx: Context) -> Result:
    res = Result(NAME, TITLE)
    mod = ctx.cxximport("numpy_kernels", COMPETITORS)
    cxx = cxx_kernels(mod)
    # "before": the same source with `vecmath = false` (scalar, errno-setting
    # math and Annex G complex products, as before issue 15).
    import cxximport

    scalar = cxx_kernels(cxximport.load(os.path.join(COMPETITORS, "numpy_kernels.cxxpyx"),
                                        module="numpy_kernels_scalar", vecmath=False,
                                        cache_dir=ctx.cxximport_cache()))
    try:
        nb: dict[str, Callable[..., Any]] | None = numba_kernels()
    except Skip as e:
        nb = None
        res.notes.append(f"Numba: skipped — {e}")
    rounds, reps = (3, 3) if ctx.quick else (15, 10)
    rows, cxx_ratios, nb_ratios, scalar_ratios, slower = [], [], [], [], []
    for label, key, ref, args, rtol in cases():
        want = ref(*args)
        competitors = [("NumPy", lambda r=ref, a=args: r(*a)),
                       ("cxximport", lambda f=cxx[key], a=args: f(*a)),
                       ("cxximport vecmath=false", lambda f=scalar[key], a=args: f(*a))]
        if nb is not None:
            competitors.append(("Numba", lambda f=nb[key], a=args: f(*a)))
        for who, f in competitors[1:]:
            got = f()
            if not np.allclose(got, want, rtol=rtol, atol=0):
                raise AssertionError(f"{who} {label}: differs from NumPy beyond rtol={rtol}")
        samples = interleaved([f for _, f in competitors], rounds, reps)
        mins = [stats(s)[0] for s in samples]
        ratio_cxx = mins[0] / mins[1]
        cxx_ratios.append(ratio_cxx)
        if ratio_cxx < 1.0:
            slower.append(f"{label} {ratio_cxx:.2f}×")
        row = [label, fmt(mins[0], "us"), fmt(mins[1], "us"), f"{ratio_cxx:.2f}×",
               f"{mins[0] / mins[2]:.2f}×"]
        scalar_ratios.append(mins[0] / mins[2])
        if nb is not None:
            nb_ratios.append(mins[0] / mins[3])
            row += [fmt(mins[3], "us"), f"{mins[0] / mins[3]:.2f}×"]
        rows.append(row)
    geo = math.exp(sum(map(math.log, cxx_ratios)) / len(cxx_ratios))
    geo_nb = math.exp(sum(map(math.log, nb_ratios)) / len(nb_ratios)) if nb_ratios else None
    geo_scalar = math.exp(sum(map(math.log, scalar_ratios)) / len(scalar_ratios))
    last = ["**geometric mean**", "", "", f"**{geo:.2f}×**", f"{geo_scalar:.2f}×"]
    if geo_nb is not None:
        last += ["", f"**{geo_nb:.2f}×**"]
    rows.append(last)
    headers = ["kernel", "NumPy µs", "cxximport µs", "NumPy / cxximport",
               "NumPy / cxximport vecmath=false"]
    if nb is not None:
        headers += ["Numba µs", "NumPy / Numba"]
    res.sections.append(f"n = {N:,} elements (float64 and complex128 views, float32 copies); "
                        f"min of {rounds} interleaved rounds of {reps} calls; "
                        f"OMP_NUM_THREADS={os.environ.get('OMP_NUM_THREADS', 'unset')}.")
    res.sections.append(table(headers, rows))
    res.targets.append(Target("numpy kernels: every row ≥ 1.0× NumPy",
                              "all rows" if not slower else "slower: " + ", ".join(slower),
                              "≥ 1.0× each", not slower))
    measured = f"{geo:.2f}× vs {geo_nb:.2f}×" if geo_nb else f"{geo:.2f}× (no Numba)"
    res.targets.append(Target("numpy kernels: geometric mean ≥ Numba's", measured,
                              "≥ Numba", None if geo_nb is None else geo >= geo_nb))
    res.data.update(geo=geo, geo_numba=geo_nb)
    res.sections.append(threaded_reductions(ctx, rounds, reps))
    return res


def threaded_reductions(ctx: Context, rounds: int, reps: int) -> str:
    """The reduction rows again with the same source built with `openmp = true`:
    NumPy's BLAS dot (and so np.linalg.norm) runs on every core, pyx::dot of a
    plain module on one; in an `openmp` module it splits when a core is idle."""
    import cxximport

    omp = cxximport.load(os.path.join(COMPETITORS, "numpy_kernels.cxxpyx"),
                         module="numpy_kernels_openmp", openmp=True,
                         cache_dir=ctx.cxximport_cache())
    plain = cxx_kernels(ctx.cxximport("numpy_kernels", COMPETITORS))
    threaded = cxx_kernels(omp)
    pinned = os.environ.get("OPENBLAS_NUM_THREADS")
    blas_threads = f"{pinned} thread(s) (OPENBLAS_NUM_THREADS)" if pinned else "one thread per core"
    rows = []
    for label, key, ref, args, rtol in cases()[:3]:
        want = ref(*args)
        assert np.allclose(threaded[key](*args), want, rtol=rtol, atol=0), label
        fns = [lambda r=ref, a=args: r(*a), lambda f=plain[key], a=args: f(*a),
               lambda f=threaded[key], a=args: f(*a)]
        mins = [stats(x)[0] for x in interleaved(fns, rounds, reps)]
        rows.append([label, fmt(mins[0], "us"), fmt(mins[1], "us"), f"{mins[0] / mins[1]:.2f}×",
                     fmt(mins[2], "us"), f"{mins[0] / mins[2]:.2f}×"])
    return ("Reductions, the same source built with `openmp = true` (pyx::sum/pyx::dot split "
            "across threads from 100 000 elements when a core is idle; NumPy's OpenBLAS "
            f"uses {blas_threads}):\n\n"
            + table(["kernel", "NumPy µs", "cxximport µs", "NumPy / cxximport",
                     "cxximport `openmp` µs", "NumPy / cxximport `openmp`"], rows))


if __name__ == "__main__":
    ctx = Context(quick=bool(os.environ.get("QUICK")))
    try:
        print(run(ctx).markdown())
    finally:
        ctx.close()
