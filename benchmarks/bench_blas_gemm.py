"""Issue 9 point 7: pyx::blas::gemm (SciPy's BLAS through its exported
function pointers) on 1000x1000 doubles against numpy.dot in the same process.

Run on demand: python benchmarks/bench_blas_gemm.py [N] [rounds]
Prints best and median seconds per product and the ratio (target <= 1.10).
NumPy and SciPy may ship different BLAS builds: the ratio compares them too.
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time

import cxximport
import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))


def main() -> int:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 15
    cache = os.environ.get("CXXIMPORT_CACHE_DIR") or tempfile.mkdtemp(prefix="bench-gemm-")
    source = os.path.join(HERE, "subview", "blas_gemm.cxxpyx")
    m = cxximport.load(source, module="bench_gemm", cache_dir=cache)
    rng = np.random.default_rng(0)
    a, b = rng.random((n, n)), rng.random((n, n))
    assert np.allclose(m.matmul(a, b), np.dot(a, b))
    versions = {"pyx::blas::gemm": lambda: m.matmul(a, b), "numpy.dot": lambda: np.dot(a, b)}
    samples: dict[str, list[float]] = {name: [] for name in versions}
    for _ in range(rounds):
        for name, f in versions.items():
            t = time.perf_counter()
            f()
            samples[name].append(time.perf_counter() - t)
    print(f"C = A @ B, {n}x{n} float64, {rounds} interleaved rounds")
    print(f"{'version':<16} {'best ms':>9} {'median ms':>10}")
    for name, s in samples.items():
        print(f"{name:<16} {min(s) * 1e3:9.1f} {statistics.median(s) * 1e3:10.1f}")
    best = min(samples["pyx::blas::gemm"]) / min(samples["numpy.dot"])
    median = statistics.median(samples["pyx::blas::gemm"]) / statistics.median(samples["numpy.dot"])
    print(f"gemm / numpy.dot: best {best:.3f}, median {median:.3f} (target <= 1.10)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
