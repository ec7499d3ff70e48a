"""Issue 9 point 2: sub-views of views and arrays with Cython memoryview
slicing semantics (Python's clamping, negative values, a single index drops a
dimension, newaxis), transposes and copies; compile-time layouts; the
boundscheck errors naming dimension, index and extent."""

from __future__ import annotations

import itertools
import sys
from pathlib import Path

import cxximport
import numpy as np
import pytest
import pyxtypes_build as tb
from conftest import needs_core

pytestmark = needs_core

DATA = Path(__file__).resolve().parent / "data" / "runtime"


@pytest.fixture(scope="module")
def m(tmp_path_factory):
    return tb.load(DATA / "slicing.cxxpyx", tb.shared_cache_dir(tmp_path_factory), "pyx_slicing")


@pytest.fixture(scope="module")
def checked(tmp_path_factory):
    cache = tb.shared_cache_dir(tmp_path_factory)
    return tb.load(DATA / "slicing_checked.cxxpyx", cache, "pyx_slicing_checked")


BOUNDS = [None, -9, -4, -1, 0, 1, 2, 3, 5, 9]


def test_slices_follow_python_semantics(m):
    v = np.arange(20.0).reshape(4, 5)
    for a, b, c in itertools.product(BOUNDS, BOUNDS, (1, 2, -1, -3)):
        for src in (v, v[::-1, ::2]):
            got = m.slice2(src, a, b, c, None, None, 1)
            want = src[a:b:c, :]
            assert got.shape == want.shape and (got == want).all(), (a, b, c)
            got = m.slice2(src, None, None, 1, a, b, c)
            assert (got == src[:, a:b:c]).all() and got.shape == src[:, a:b:c].shape
    for a, b in itertools.product(BOUNDS, BOUNDS):
        want = v[a:b]
        got = m.rows(v, a, b)
        assert got.shape == want.shape and (got == want).all()


def test_indices_drop_dimensions_and_newaxis_adds_them(m):
    v = np.arange(24.0).reshape(2, 3, 4)
    for i in (0, 1, -1, -2):
        assert (m.pick(v, i) == v[i, :, ::-1]).all()
    w = np.arange(12.0).reshape(3, 4)
    for j in range(-4, 4):
        assert m.col_sum(w, j) == w[:, j].sum()
    for i in range(-3, 3):
        assert m.row_sum(w, i) == w[i].sum()
        assert (m.row_at(w, i) == w[i]).all()
    x = np.arange(5.0)[::2]
    assert (m.add_axes(x) == x[np.newaxis, :, np.newaxis]).all()
    assert m.add_axes(x).shape == (1, 3, 1)


def test_transposes_and_copies(m):
    v = np.arange(24.0).reshape(2, 3, 4)
    for axes in itertools.permutations(range(3)):
        got = m.transposed(v, *axes)
        assert got.flags.c_contiguous and (got == np.transpose(v, axes)).all()
    assert (m.transposed(v, -1, 0, 1) == np.transpose(v, (2, 0, 1))).all()
    with pytest.raises(ValueError, match="not a permutation"):
        m.transposed(v, 0, 0, 1)
    w = np.arange(6.0).reshape(2, 3)
    assert (m.t_c(w) == w.T).all() and m.t_c(w).flags.c_contiguous
    f = m.fortran_copy(w[:, ::-1])
    assert f.flags.f_contiguous and not f.flags.c_contiguous and (f == w[:, ::-1]).all()


def test_sub_views_write_through_and_arrays_slice(m):
    out = np.zeros((4, 5))
    m.fill_interior(out, 7.0)
    want = np.zeros((4, 5))
    want[1:-1, 1:-1] = 7.0
    assert (out == want).all()
    a = np.arange(12.0).reshape(3, 4) + np.arange(3)[:, None] * 6  # 10 * i + j
    assert (m.array_slice() == a[1:, ::2]).all()


def test_copies_do_not_leak_references(m):
    v = np.arange(20.0).reshape(4, 5)
    before = sys.getrefcount(v)
    for _ in range(2000):
        m.slice2(v, 1, -1, 1, None, None, -1)
        m.fortran_copy(v)
    assert sys.getrefcount(v) == before


def test_bad_indices_raise_index_error_naming_dimension_index_and_extent(checked):
    v = np.arange(6.0).reshape(2, 3)
    assert checked.row0(v, -1) == 3.0 and checked.col0(v, -1) == 2.0
    cases = [
        (checked.row0, 2, "index 2 is out of bounds for dimension 0 of array 'v' with extent 2"),
        (checked.row0, -3, "index -3 is out of bounds for dimension 0 of array 'v' with extent 2"),
        (checked.col0, 3, "index 3 is out of bounds for dimension 1 of array 'v' with extent 3"),
    ]
    for f, i, message in cases:
        with pytest.raises(IndexError) as info:
            f(v, i)
        assert str(info.value) == message
    with pytest.raises(ValueError, match=r"slice step cannot be zero \(dimension 0\)"):
        checked.stepped(np.ones(4), 0)
    assert checked.stepped(np.ones(5), -2) == 3
    # The sub-view's own shape bounds element access.
    assert checked.sub_at(v, 0, 2) == 5.0
    with pytest.raises(
        IndexError, match=r"index \(1, 0\) is out of bounds for array 'v' with shape \(1, 3\)"
    ):
        checked.sub_at(v, 1, 0)


def test_sub_views_of_read_only_views_stay_read_only(isolated_import, write_source):
    source = write_source(
        "ro.cxxpyx",
        """
        PYX_EXPORT void poke(pyx::cview<const double, 2> v) {
          v(pyx::all, 0)(0) = 1.0;
        }
        """,
    )
    with pytest.raises(cxximport.CompileError) as info:
        isolated_import.import_module("ro")
    assert f"{source}:2:" in str(info.value) and "read-only" in str(info.value)
