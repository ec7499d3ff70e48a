"""No leaks at the call boundary: a million calls of exported functions
(scalars, strings, arrays in and out, optional, tuples, keywords, fused
dispatch, raised exceptions) keep resident memory flat.

Runs in a child interpreter (its RSS is not polluted by the test session);
resident memory comes from /proc/self/statm after a warm-up.
"""

from __future__ import annotations

import sys

import pytest
import pyxtypes_build as tb
from conftest import needs_core, run_python

pytestmark = [
    needs_core,
    pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc/self/statm"),
]

CALLS = 1_000_000
LIMIT_MB = 4.0

BODY = """
import json, os, time
import numpy as np

page = os.sysconf("SC_PAGE_SIZE")

def rss_mb():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * page / 2**20

a = np.arange(64.0)
b = np.ones((8, 8))
c = np.zeros((4, 4), np.int32)
o = object()
s = "some text, ünïcode"

def mix():
    # 20 calls
    m.id_int64(123456789)
    m.id_double(1.5)
    m.id_complex128(1 + 2j)
    m.id_string(s)
    m.concat("a", s, "c")
    m.opt_int(None)
    m.opt_string("x")
    m.divmod_(7, 2)
    m.mixed_tuple(3)
    m.copy1(a)
    m.weighted_c2(b)
    m.pass_array(c)
    m.maybe_range(5)
    m.id_object(o)
    m.three(1, b=2)
    m.get1(a[::-1], 3)
    for bad in (lambda: m.raise_("invalid_argument"), lambda: m.id_int8(1000),
                lambda: m.id_string(b"x"), lambda: m.kind_of(None)):
        try:
            bad()
        except (ValueError, OverflowError, TypeError):
            pass

for _ in range(5000):
    mix()
import sys
refs_before = [sys.getrefcount(x) for x in (a, b, c, o, s)]
before = rss_mb()
t = time.perf_counter()
n = CALLS // 20
for _ in range(n):
    mix()
seconds = time.perf_counter() - t
after = rss_mb()
refs_after = [sys.getrefcount(x) for x in (a, b, c, o, s)]
print(json.dumps({"calls": n * 20, "refs_before": refs_before, "refs_after": refs_after,
                  "before_mb": before, "after_mb": after,
                  "growth_mb": after - before, "seconds": seconds}))
"""


@pytest.fixture(scope="session")
def types_cache(tmp_path_factory):
    cache = tb.shared_cache_dir(tmp_path_factory)
    tb.load(tb.TYPES_SOURCE, cache, "pyxtypes")  # built here, loaded from the cache by the child
    return cache


def test_a_million_calls_keep_resident_memory_flat(types_cache):
    proc = run_python(tb.loader_code(types_cache) + f"CALLS = {CALLS}\n" + BODY, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    r = proc.result
    print(
        f"leak test: {r['calls']} calls in {r['seconds']:.1f} s, resident "
        f"{r['before_mb']:.1f} MB -> {r['after_mb']:.1f} MB ({r['growth_mb']:+.2f} MB)"
    )
    assert r["calls"] >= CALLS
    assert r["growth_mb"] < LIMIT_MB, r
    # Arguments' reference counts are back where they were (no reference leaked).
    assert r["refs_after"] == r["refs_before"], r
