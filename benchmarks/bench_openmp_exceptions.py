"""Issue 9 point 8: what the automatic exception handling in OpenMP
constructs costs. Each kernel is compiled twice in one module with the same
flags (benchmarks/omp_exceptions/kernels.cxxpyx): `_after` with `#pragma omp`
(rewritten: a try/catch around the loop body, the call's record passed in as
firstprivate, a check after the region) and `_before` with the pragma made by
a macro, which the generator leaves as written (the code of every module
before the rewrite existed).

Run on demand: python benchmarks/bench_openmp_exceptions.py [N] [rounds]
Prints one table: best and median time per call before and after, the
after/before ratio, and how many loops of each function GCC vectorised
(-fopt-info-vec on the generated module.cpp, with the module's own flags).
Samples are interleaved so a burst of load elsewhere hits both versions.
"""

from __future__ import annotations

import os
import re
import shlex
import statistics
import subprocess
import sys
import tempfile
import time

import cxximport
import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE = os.path.join(HERE, "omp_exceptions", "kernels.cxxpyx")
KERNELS = ("seed", "stencil", "axpy")


def vectorised_loops(module_dir: str) -> dict[str, int]:
    """Loops GCC reports as vectorised, per exported function of SOURCE."""
    ninja = open(os.path.join(module_dir, "build.ninja")).read()
    var = dict(re.findall(r"^(cxx|cxxflags) = (.*)$", ninja, re.M))
    # "vectorized N loops in function" is reported at each function, the
    # OpenMP-outlined ones included (a loop's own note may name a header line).
    cmd = [var["cxx"], *shlex.split(var["cxxflags"]), "-fopt-info-vec-all"]
    cmd += ["-c", os.path.join(module_dir, "module.cpp"), "-o", os.devnull]
    report = subprocess.run(cmd, capture_output=True, text=True, check=True).stderr
    starts = []  # (first line, function name)
    for n, text in enumerate(open(SOURCE).read().splitlines(), 1):
        found = re.match(r"PYX_EXPORT void (\w+)\(", text)
        if found:
            starts.append((n, found.group(1)))
    counts = {name: 0 for _, name in starts}
    pattern = r"kernels\.cxxpyx:(\d+):\d+: note: vectorized (\d+) loops in function"
    for line, loops in set(re.findall(pattern, report)):
        owner = [name for first, name in starts if first <= int(line)]
        if owner:
            counts[owner[-1]] += int(loops)
    return counts


def region_code(so: str) -> dict[str, list[str]]:
    """The instructions of each OpenMP-outlined function (objdump; addresses
    and symbol operands dropped), per exported function, to compare before
    and after."""
    try:
        dis = subprocess.run(
            ["objdump", "-d", "--no-show-raw-insn", "-C", so], capture_output=True, text=True
        ).stdout
    except FileNotFoundError:
        return {}
    out: dict[str, list[str]] = {}
    current = None
    for line in dis.splitlines():
        head = re.match(r"^[0-9a-f]+ <(\w+)\(.*_omp_fn\.\d+\]?>:$", line)
        if head or re.match(r"^[0-9a-f]+ <", line):
            current = head.group(1) if head else None
            continue
        if current and line.strip():
            insn = re.sub(r"^\s*[0-9a-f]+:\s*", "", line)
            insn = re.sub(r"[0-9a-f]{4,} <[^>]*>|0x[0-9a-f]+", "", insn)
            out.setdefault(current, []).append(insn)
    return out


def same(code: dict[str, list[str]], kernel: str) -> str:
    before, after = code.get(f"{kernel}_before"), code.get(f"{kernel}_after")
    if not before or not after:
        return "n/a"
    return "identical" if before == after else f"{len(before)}/{len(after)} insns"


def main() -> int:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 20
    cache = os.environ.get("CXXIMPORT_CACHE_DIR") or tempfile.mkdtemp(prefix="bench-ompexc-")
    m = cxximport.load(SOURCE, module="bench_omp_exceptions", cache_dir=cache)
    rng = np.random.default_rng(0)
    a, b = rng.random((n, n)) * 12, rng.random((n, n))
    x, y = rng.random(n * n), rng.random(n * n)
    outs = {f"{k}_{v}": np.zeros((n, n)) for k in KERNELS[:2] for v in ("before", "after")}
    outs |= {f"axpy_{v}": np.zeros(n * n) for v in ("before", "after")}
    calls = {
        "seed": lambda v: getattr(m, f"seed_{v}")(a, b, 4.0, 3.0, 9.0, outs[f"seed_{v}"]),
        "stencil": lambda v: getattr(m, f"stencil_{v}")(a, outs[f"stencil_{v}"]),
        "axpy": lambda v: getattr(m, f"axpy_{v}")(2.5, x, y, outs[f"axpy_{v}"]),
    }
    for k in KERNELS:
        calls[k]("before")
        calls[k]("after")
        assert np.array_equal(outs[f"{k}_before"], outs[f"{k}_after"]), k
    samples = {f"{k}_{v}": [] for k in KERNELS for v in ("before", "after")}
    for _ in range(rounds):
        for k in KERNELS:
            for v in ("before", "after"):
                t = time.perf_counter()
                calls[k](v)
                samples[f"{k}_{v}"].append(time.perf_counter() - t)
    vec = vectorised_loops(os.path.dirname(m.__file__))
    code = region_code(m.__file__)
    threads = os.environ.get("OMP_NUM_THREADS", str(os.cpu_count()))
    print(
        f"{n}x{n} float64 (axpy: {n * n} elements), {rounds} interleaved rounds, {threads} threads"
    )
    head = f"{'kernel':<8} {'before ms':>10} {'after ms':>9} {'ratio best':>10} {'ratio med':>9}"
    print(head + f" {'vectorised loops before/after':>30} {'region code':>12}")
    for k in KERNELS:
        sb, sa = samples[f"{k}_before"], samples[f"{k}_after"]
        print(
            f"{k:<8} {min(sb) * 1e3:10.3f} {min(sa) * 1e3:9.3f} {min(sa) / min(sb):10.3f}"
            f" {statistics.median(sa) / statistics.median(sb):9.3f}"
            f" {vec[f'{k}_before']:>26d} / {vec[f'{k}_after']:d}"
            f" {same(code, k):>12}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
