"""Issue 9 point 3: pyx::anyview<T>, a view whose rank is known only at run
time: ndim(), shape(i), stride(i), index tuples in C order (np.ndindex) and
elements in memory order."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest
import pyxtypes_build as tb
from conftest import needs_core

pytestmark = needs_core

SOURCE = Path(__file__).resolve().parent / "data" / "runtime" / "anyview.cxxpyx"


@pytest.fixture(scope="module")
def m(tmp_path_factory):
    return tb.load(SOURCE, tb.shared_cache_dir(tmp_path_factory), "pyx_anyview")


def arrays():
    rng = np.random.default_rng(2)
    yield np.full((), 3.0)
    for shape in ((5,), (3, 4), (2, 3, 4), (2, 1, 3, 2, 2), (3, 0, 2)):
        a = rng.standard_normal(shape)
        yield a
        yield a.T
        yield a[..., ::-1]
        if a.ndim >= 2:
            yield a[::2, ...]


def test_index_tuples_in_c_order_for_any_rank(m):
    for a in arrays():
        ndim, size, s = m.weighted(a)
        want = sum(a[idx] * (n + 1) for n, idx in enumerate(np.ndindex(a.shape)))
        assert (ndim, size) == (a.ndim, a.size)
        assert s == pytest.approx(want, rel=1e-12, abs=1e-12)


def test_elements_in_memory_order(m):
    for a in arrays():
        got = m.memory_order(a, a.size)
        assert (got == np.ravel(a, order="K")).all(), a.strides
    x = np.arange(24, dtype=np.int32).reshape(2, 3, 4).transpose(2, 0, 1)[::-1]
    want = x * 2
    m.double_all(x)
    assert (x == want).all()


def test_geometry_and_typed_views(m):
    a = np.zeros((2, 3, 4))[:, ::-1, ::2]
    g = m.geometry(a).reshape(-1, 2)
    assert tuple(g[:, 0]) == a.shape and tuple(g[:, 1]) == a.strides
    assert m.typed_size(np.zeros((2, 3, 4))) == 3024
    assert m.geometry(np.zeros(())).shape == (0,)


def test_bad_inputs(m):
    with pytest.raises(
        TypeError, match=r"weighted\(\) argument 'v': expected numpy.ndarray of float64"
    ):
        m.weighted([1.0])
    with pytest.raises(TypeError, match="expected an array of dtype float64, got dtype int64"):
        m.weighted(np.zeros(3, np.int64))
    ro = np.zeros(3, np.int32)
    ro.setflags(write=False)
    with pytest.raises(ValueError, match="expected a writable array"):
        m.double_all(ro)
    v = np.ones((2, 2))
    with pytest.raises(
        IndexError, match=r"index \(2, 0\) is out of bounds for array 'v' with shape \(2, 2\)"
    ):
        m.at_tuple(v, 2)
    with pytest.raises(IndexError, match="wrong number of indices for array 'v' with 3 dimensions"):
        m.at_tuple(np.ones((2, 2, 2)), 0)
    refs = sys.getrefcount(v)
    for _ in range(1000):
        m.weighted(v)
    assert sys.getrefcount(v) == refs
