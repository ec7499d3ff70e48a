"""No leaks in issue 9's parameter and return kinds: a million calls with
tuple and vector parameters, callables, returned views of inputs, growable
results, sub-view copies and any-rank views keep resident memory flat and
the arguments' reference counts unchanged (as tests/test_leaks.py does for
the basic types)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
import pyxtypes_build as tb
from conftest import needs_core, run_python

pytestmark = [
    needs_core,
    pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc/self/statm"),
]

DATA = Path(__file__).resolve().parent / "data" / "runtime"
CALLS = 1_000_000
LIMIT_MB = 4.0

BODY = """
import json, os, time
import numpy as np

page = os.sysconf("SC_PAGE_SIZE")

def rss_mb():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * page / 2**20

v = np.arange(6.0)
grid = np.ones((4, 5))
mask = (1, 0, 1)
items = [1.0, 2.0, 3.0]
def f(x, i):
    return x

def mix():
    # 10 calls
    p.masked_sum(v, mask)
    p.cumsum(items)
    p.apply_sum(v, f)
    p.interior(grid)
    p.swap_pair(("a", 1.0))
    g.above(v, 2.0)
    a.weighted(grid)
    s.slice2(grid, 1, -1, 1, None, None, -1)
    try:
        p.masked_sum(v, (1, "x", 1))
    except TypeError:
        pass
    try:
        p.cumsum([1.0, None])
    except TypeError:
        pass

for _ in range(5000):
    mix()
refs_before = [sys.getrefcount(x) for x in (v, grid, mask, items, f)]
before = rss_mb()
t = time.perf_counter()
n = CALLS // 10
for _ in range(n):
    mix()
seconds = time.perf_counter() - t
after = rss_mb()
refs_after = [sys.getrefcount(x) for x in (v, grid, mask, items, f)]
print(json.dumps({"calls": n * 10, "refs_before": refs_before, "refs_after": refs_after,
                  "before_mb": before, "after_mb": after, "growth_mb": after - before,
                  "seconds": seconds}))
"""

MODULES = {
    "p": ("params.cxxpyx", "pyx_params"),
    "g": ("growable.cxxpyx", "pyx_growable"),
    "a": ("anyview.cxxpyx", "pyx_anyview"),
    "s": ("slicing.cxxpyx", "pyx_slicing"),
}


def test_a_million_calls_keep_resident_memory_flat(tmp_path_factory):
    cache = tb.shared_cache_dir(tmp_path_factory)
    code = "import sys\n"
    for var, (file, module) in MODULES.items():
        tb.load(DATA / file, cache, module)  # built here, loaded from the cache by the child
        code += tb.loader_code(cache, module, DATA / file).replace("m = ", f"{var} = ")
    proc = run_python(code + f"CALLS = {CALLS}\n" + BODY, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    r = proc.result
    print(
        f"leak test: {r['calls']} calls in {r['seconds']:.1f} s, resident "
        f"{r['before_mb']:.1f} MB -> {r['after_mb']:.1f} MB ({r['growth_mb']:+.2f} MB)"
    )
    assert r["calls"] >= CALLS
    assert r["growth_mb"] < LIMIT_MB, r
    assert r["refs_after"] == r["refs_before"], r
