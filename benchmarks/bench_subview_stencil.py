"""Issue 9 point 2: a 5-point stencil written with sub-views runs within 10 %
of the same stencil written with index arithmetic (and NumPy for scale);
also the same with pyx::transform over the sub-views (the gallery's style).

Run on demand: python benchmarks/bench_subview_stencil.py [N] [rounds]
Prints a table: best and median time per call of each version, and the
sub-view / index ratio (the target is <= 1.10). Samples are interleaved so a
burst of load elsewhere hits both versions.
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


def numpy_stencil(u, out):
    near = u[:-2, 1:-1] + u[2:, 1:-1] + u[1:-1, :-2] + u[1:-1, 2:]
    out[1:-1, 1:-1] = 0.25 * near - u[1:-1, 1:-1]


def main() -> int:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
    rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 30
    cache = os.environ.get("CXXIMPORT_CACHE_DIR") or tempfile.mkdtemp(prefix="bench-subview-")
    source = os.path.join(HERE, "subview", "stencil.cxxpyx")
    m = cxximport.load(source, module="bench_stencil", cache_dir=cache)
    u = np.random.default_rng(0).random((n, n))
    outs = {name: np.zeros_like(u) for name in ("subviews", "index", "transform", "numpy")}
    versions = {
        "subviews": lambda: m.stencil_subviews(u, outs["subviews"]),
        "index": lambda: m.stencil_index(u, outs["index"]),
        "transform": lambda: m.stencil_transform(u, outs["transform"]),
        "numpy": lambda: numpy_stencil(u, outs["numpy"]),
    }
    for f in versions.values():
        f()
    for name in ("subviews", "index", "transform"):
        assert np.allclose(outs[name], outs["numpy"]), name
    samples: dict[str, list[float]] = {name: [] for name in versions}
    for _ in range(rounds):
        for name, f in versions.items():
            t = time.perf_counter()
            f()
            samples[name].append(time.perf_counter() - t)
    print(f"5-point stencil on {n}x{n} float64, {rounds} interleaved rounds")
    print(f"{'version':<10} {'best ms':>9} {'median ms':>10}")
    for name, s in samples.items():
        print(f"{name:<10} {min(s) * 1e3:9.2f} {statistics.median(s) * 1e3:10.2f}")
    ratio_best = min(samples["subviews"]) / min(samples["index"])
    ratio_median = statistics.median(samples["subviews"]) / statistics.median(samples["index"])
    print(f"sub-views / index: best {ratio_best:.3f}, median {ratio_median:.3f} (target <= 1.10)")
    t_best = min(samples["transform"]) / min(samples["index"])
    t_median = statistics.median(samples["transform"]) / statistics.median(samples["index"])
    print(f"transform / index: best {t_best:.3f}, median {t_median:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
