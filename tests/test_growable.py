"""Issue 9 point 5: pyx::growable<T>, a 1-D array that grows by push_back
(amortised O(1)) and is returned to Python without a copy."""

from __future__ import annotations

import math
import sys
import tracemalloc
from pathlib import Path

import numpy as np
import pytest
import pyxtypes_build as tb
from conftest import needs_core

pytestmark = needs_core

SOURCE = Path(__file__).resolve().parent / "data" / "runtime" / "growable.cxxpyx"


@pytest.fixture(scope="module")
def m(tmp_path_factory):
    return tb.load(SOURCE, tb.shared_cache_dir(tmp_path_factory), "pyx_growable")


def test_push_back_results_are_numpy_arrays(m):
    v = np.random.default_rng(1).standard_normal(10_000)
    got = m.above(v, 0.5)
    assert got.dtype == np.int64 and got.ndim == 1 and got.flags.c_contiguous
    assert got.flags.writeable and (got == np.flatnonzero(v > 0.5)).all()
    assert m.above(v, 100.0).shape == (0,)
    assert m.above(np.zeros(0), 0.0).shape == (0,)
    labels = np.array([3, 3, 1, 1, 1, 7, 3, 3], np.int32)
    values, starts = m.run_starts(labels)
    assert values.dtype == np.int32 and values.tolist() == [3, 1, 7, 3]
    assert starts.tolist() == [0, 2, 5, 6]
    r = m.resized(4)
    assert r.dtype == np.float32 and r.tolist() == [0, 0, 0, 1.5]
    with pytest.raises(ValueError, match="negative size"):
        m.resized(-1)


def test_growth_is_amortised(m):
    reallocations, size, total = m.growth(1_000_000)
    assert size == 1_000_000 and total == sum(range(1_000_000))
    assert reallocations <= math.ceil(math.log2(1_000_000 / 8)) + 1


def test_the_buffer_is_handed_over_and_freed(m):
    v = np.ones(100_000)
    a = m.above(v, 0.0)
    # No copy: the array's memory is the buffer its capsule base owns.
    assert type(a.base).__name__ == "PyCapsule"
    refs = sys.getrefcount(v)
    tracemalloc.start()
    try:
        m.above(v, 0.0)
        before = tracemalloc.get_traced_memory()[0]
        for _ in range(300):
            m.above(v, 0.0)  # 800 kB each, freed when the result goes
        after = tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()
    assert after - before < 100_000
    assert sys.getrefcount(v) == refs
