"""Benchmark 1: the seed kernel on the tutorial's 3000x2000 arrays.

np.clip(array_1, 2, 10) * a + array_2 * b + c with a, b, c = 4, 3, 9, on
np.intc and float64 arrays: NumPy, Cython through pyximport (the tutorial's
contiguous and prange steps), Numba parallel=True with prange, the
hand-written C API + OpenMP floor, and every cxximport tutorial step. Each
result is checked against NumPy before it is timed. Samples are taken in
interleaved rounds so that a burst of load elsewhere hits every competitor.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from typing import Any

import numpy as np
from common import (
    COMPETITORS,
    EXAMPLES,
    Context,
    Result,
    Skip,
    Target,
    bar_chart,
    fmt,
    stats,
    table,
    time_calls,
)

NAME = "kernel"
TITLE = "1. Seed kernel (3000×2000, a=4, b=3, c=9)"

SHAPE = (3000, 2000)
STEPS = ["compute_typed", "compute_memview", "compute_index", "compute_contiguous",
         "compute_fused", "compute_prange"]
DTYPES = {"intc": np.intc, "float64": np.float64}


def numpy_compute(array_1, array_2, a, b, c):
    return np.clip(array_1, 2, 10) * a + array_2 * b + c


def make_numba() -> Callable[..., Any]:
    try:
        import numba  # noqa: F401
    except ImportError as e:
        raise Skip(f"Numba is not installed ({e})") from e
    if COMPETITORS not in sys.path:
        sys.path.insert(0, COMPETITORS)
    from compute_numba import compute

    return compute


def competitors(ctx: Context, notes: list[str]) -> list[tuple[str, Callable[..., Any], tuple]]:
    """(label, function, dtypes it accepts)."""
    both = tuple(DTYPES)
    out: list[tuple[str, Callable[..., Any], tuple]] = [("NumPy", numpy_compute, both)]
    for label, make, dtypes in [
        ("hand-written C API + OpenMP (floor)", lambda: ctx.floor().compute, both),
        ("Cython contiguous (pyximport)",
         lambda: ctx.pyximport("compute_cy_contiguous").compute, ("intc",)),
        ("Cython prange (pyximport)", lambda: ctx.pyximport("compute_cy_prange").compute, both),
        ("Numba parallel=True", make_numba, both),
    ]:
        try:
            out.append((label, make(), dtypes))
        except Skip as e:
            notes.append(f"{label}: skipped — {e}")
    for step in STEPS:
        dtypes = both if step in ("compute_fused", "compute_prange") else ("intc",)
        try:
            out.append((f"cxximport {step.removeprefix('compute_')}",
                        ctx.cxximport(step).compute, dtypes))
        except ImportError as e:
            notes.append(f"cxximport {step}: failed to build — {str(e)[:300]}")
    # The final step with `arch = native` (-march=native, the CPU in the key)
    # beside the default (`arch = auto`: the host's psABI level, capped at v3).
    try:
        import cxximport

        native = cxximport.load(os.path.join(EXAMPLES, "compute_prange.cxxpyx"),
                                module="compute_prange_native", arch="native",
                                cache_dir=ctx.cxximport_cache())
        out.append(("cxximport prange (arch = native)", native.compute, both))
    except ImportError as e:
        notes.append(f"cxximport prange (arch = native): failed to build — {str(e)[:300]}")
    return out


def run(ctx: Context) -> Result:
    res = Result(NAME, TITLE)
    runs = 6 if ctx.quick else 60
    rounds = 2 if ctx.quick else 6
    rng = np.random.default_rng(0)
    arrays = {}
    for dname, dt in DTYPES.items():
        a1 = rng.uniform(0, 1000, size=SHAPE).astype(dt)
        a2 = rng.uniform(0, 1000, size=SHAPE).astype(dt)
        s = [dt(4), dt(3), dt(9)] if dname == "float64" else [4, 3, 9]
        arrays[dname] = (a1, a2, *s)

    impls = competitors(ctx, res.notes)
    samples: dict[tuple[str, str], list[float]] = {}
    calls: list[tuple[tuple[str, str], Callable[[], Any]]] = []
    for label, fn, dtypes in impls:
        for dname in dtypes:
            args = arrays[dname]
            expected = numpy_compute(*args)
            got = fn(*args)  # also Numba's compile for this dtype
            if got.dtype != expected.dtype or not np.allclose(got, expected):
                res.notes.append(f"{label} ({dname}): WRONG RESULT, dtype {got.dtype}")
                continue
            calls.append(((label, dname), lambda fn=fn, args=args: fn(*args)))
    for r in range(rounds):
        for key, call in calls:
            samples.setdefault(key, []).extend(
                time_calls(call, runs // rounds, warmup=3 if r == 0 else 1))

    def cell(label: str, dname: str) -> tuple[str, str]:
        if (label, dname) not in samples:
            return "—", "—"
        lo, med = stats(samples[(label, dname)])
        return fmt(lo, "ms"), fmt(med, "ms")

    floor_label = "hand-written C API + OpenMP (floor)"
    rows = []
    for label, _fn, _d in impls:
        i_min, i_med = cell(label, "intc")
        d_min, d_med = cell(label, "float64")
        ratios = []
        for dname in DTYPES:
            if (label, dname) in samples and (floor_label, dname) in samples:
                ours, floor = samples[(label, dname)], samples[(floor_label, dname)]
                ratios.append(f"{min(ours) / min(floor):.2f}×")
            else:
                ratios.append("—")
        rows.append([label, i_min, i_med, ratios[0], d_min, d_med, ratios[1]])
    res.sections.append(
        f"{runs} timed calls each ({rounds} interleaved rounds), result checked against NumPy; "
        "times in ms.\n\n"
        + table(["implementation", "intc min", "intc median", "intc vs floor",
                 "float64 min", "float64 median", "float64 vs floor"], rows))

    for dname in DTYPES:
        labels = [lab for lab, _f, d in impls if (lab, dname) in samples]
        res.charts.append(bar_chart(
            f"kernel_{dname}", labels,
            [min(samples[(lab, dname)]) * 1e3 for lab in labels],
            [stats(samples[(lab, dname)])[1] * 1e3 for lab in labels],
            "ms per call", f"Seed kernel, 3000×2000 {dname}"))

    # Targets: cxximport's final step against the floor, Cython's and Numba's best.
    def best(prefix: str, dname: str) -> float | None:
        vals = [min(v) for (lab, d), v in samples.items() if lab.startswith(prefix) and d == dname]
        return min(vals) if vals else None

    for dname in DTYPES:
        ours = samples.get(("cxximport prange", dname))
        # Against Numba and Cython: the default build (arch = auto).
        ours_best = min(ours) if ours else None
        floor = samples.get((floor_label, dname))
        if ours and floor:
            ratio = min(ours) / min(floor)
            res.targets.append(Target(f"kernel {dname}: cxximport prange / floor",
                                      f"{ratio:.2f}× ({fmt(min(ours), 'ms')} vs "
                                      f"{fmt(min(floor), 'ms')} ms)", "≤ 1.15×", ratio <= 1.15))
        for who in ("Cython", "Numba"):
            other = best(who, dname)
            if ours_best is not None and other is not None:
                res.targets.append(Target(
                    f"kernel {dname}: cxximport prange (default flags) faster than {who}'s best",
                    f"{fmt(ours_best, 'ms')} vs {fmt(other, 'ms')} ms",
                    "faster", ours_best < other))
    res.data = {f"{k[0]} [{k[1]}]": v for k, v in samples.items()}
    return res
