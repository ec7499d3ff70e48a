"""Issue 15, target 4: in a module with the `openmp` directive, pyx::sum and
pyx::dot of large contiguous views split across threads (when a core is
idle). Same results as the serial reduction (to rounding), every element
counted once, one result per thread count."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import pyxtypes_build as tb
from conftest import needs_core

pytestmark = needs_core

SOURCE = Path(__file__).resolve().parent / "data" / "runtime" / "threaded_reductions.cxxpyx"


@pytest.fixture(scope="module")
def m(tmp_path_factory):
    return tb.load(SOURCE, tb.shared_cache_dir(tmp_path_factory), "pyx_threaded_reductions")


@pytest.mark.parametrize("threads", [1, 2, 3, 5, 64])
@pytest.mark.parametrize("n", [0, 1, 7, 100_001, 250_000])
def test_every_element_counted_once(m, threads, n):
    assert m.threaded_index_sum(n, threads) == n * (n - 1) / 2


@pytest.mark.parametrize("threads", [1, 2, 3])
def test_threaded_dot_matches_numpy_and_repeats(m, threads):
    rng = np.random.default_rng(15)
    x, y = rng.uniform(-1, 1, 300_001), rng.uniform(-1, 1, 300_001)
    want = float(np.dot(x, y))
    got = m.threaded_dot(x, y, threads)
    assert got == pytest.approx(want, rel=1e-12, abs=1e-12)
    assert all(m.threaded_dot(x, y, threads) == got for _ in range(5))


def test_public_sum_and_dot_agree_with_numpy(m):
    rng = np.random.default_rng(16)
    for n in (10, 99_999, 100_000, 400_000):
        x, y = rng.uniform(0, 1, n), rng.uniform(0, 1, n)
        assert m.sum(x) == pytest.approx(float(x.sum()), rel=1e-12)
        assert m.dot(x, y) == pytest.approx(float(np.dot(x, y)), rel=1e-12)
        assert m.sumf(x.astype(np.float32)) == pytest.approx(float(x.sum()), rel=1e-5)
    with pytest.raises(ValueError, match="different lengths"):
        m.dot(np.ones(200_000), np.ones(200_001))
