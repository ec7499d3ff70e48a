"""Run the cxximport benchmarks against NumPy, Cython, Numba, pybind11, nanobind.

    python benchmarks/run.py [--quick] [--only NAME[,NAME...]] [--keep]

Prints markdown (machine, versions, one table per benchmark, the targets
with PASS/MISS) and writes it, with one PNG chart per benchmark, into
benchmarks/results/. Competitors that are not installed are skipped with a
note. Not part of the test suite.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import traceback

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import bench_call_overhead  # noqa: E402
import bench_classes  # noqa: E402
import bench_cold_build  # noqa: E402
import bench_header_validation  # noqa: E402
import bench_kernel  # noqa: E402
import bench_many_modules  # noqa: E402
import bench_numpy_kernels  # noqa: E402
import bench_openmp_busy  # noqa: E402
import bench_ufunc  # noqa: E402
import bench_warm_import  # noqa: E402
from common import RESULTS, Context, Result, environment, loadavg, table  # noqa: E402

BENCHMARKS = [bench_kernel, bench_cold_build, bench_warm_import, bench_call_overhead,
              bench_many_modules, bench_ufunc, bench_classes, bench_numpy_kernels,
              bench_openmp_busy, bench_header_validation]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="few runs, for a smoke test")
    parser.add_argument("--only", metavar="NAME",
                        help="comma-separated: " + ", ".join(b.NAME for b in BENCHMARKS))
    parser.add_argument("--keep", action="store_true", help="keep the temporary work directory")
    parser.add_argument("--output", metavar="FILE",
                        help="markdown output (default results/results[-quick].md)")
    args = parser.parse_args(argv)

    chosen = BENCHMARKS
    if args.only:
        names = args.only.split(",")
        unknown = set(names) - {b.NAME for b in BENCHMARKS}
        if unknown:
            parser.error(f"unknown benchmark(s): {', '.join(sorted(unknown))}")
        chosen = [b for b in BENCHMARKS if b.NAME in names]

    os.makedirs(RESULTS, exist_ok=True)
    env = environment()
    out = ["# cxximport benchmarks" + (" (--quick)" if args.quick else ""), "",
           table(["", ""], env), ""]
    print("\n".join(out), flush=True)

    ctx = Context(quick=args.quick, keep=args.keep)
    results: list[Result] = []
    started = time.perf_counter()
    try:
        for bench in chosen:
            t0 = time.perf_counter()
            print(f"<!-- running {bench.NAME} (load {loadavg()}) -->", flush=True)
            try:
                res = bench.run(ctx)
            except Exception:  # one broken benchmark must not hide the others
                res = Result(bench.NAME, bench.TITLE)
                res.notes.append("FAILED:\n```\n" + traceback.format_exc()[-3000:] + "```")
            res.notes.append(f"benchmark wall time {time.perf_counter() - t0:.0f} s, "
                             f"load average after: {loadavg()}")
            results.append(res)
            print(res.markdown(), flush=True)
    finally:
        ctx.close()

    path = args.output or os.path.join(
        RESULTS, "results-quick.md" if args.quick else "results.md")
    out = out[:4] + [r.markdown(os.path.dirname(os.path.abspath(path))) for r in results]
    summary = [t for r in results for t in r.targets]
    block = "\n".join([
        "## Targets", "",
        table(["target", "measured", "goal", "verdict"],
              [[t.what, t.measured, t.goal, t.verdict] for t in summary]),
        "",
        f"{sum(t.ok is True for t in summary)} PASS, {sum(t.ok is False for t in summary)} MISS; "
        f"total {time.perf_counter() - started:.0f} s; load average at the end {loadavg()}.", ""])
    out.append(block)
    print(block, flush=True)

    with open(path, "w") as f:
        f.write("\n".join(out))
    print(f"<!-- written {os.path.relpath(path)} -->")
    return 0


if __name__ == "__main__":
    sys.exit(main())
