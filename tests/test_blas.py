"""Issue 9 point 7: pyx::blas (dot, axpy, gemv, gemm, gesv, posv) through
SciPy's exported BLAS/LAPACK function pointers, on views of any layout; a
clear ImportError naming SciPy when it is absent."""

from __future__ import annotations

import itertools
import sys
from pathlib import Path

import numpy as np
import pytest
import pyxtypes_build as tb
from conftest import needs_core, run_python

pytestmark = needs_core

SOURCE = Path(__file__).resolve().parent / "data" / "runtime" / "blas.cxxpyx"
pytest.importorskip("scipy.linalg.cython_blas")


@pytest.fixture(scope="module")
def m(tmp_path_factory):
    return tb.load(SOURCE, tb.shared_cache_dir(tmp_path_factory), "pyx_blas")


def layouts(a):
    """a in C order, Fortran order, reversed rows, every other column of a wider matrix."""
    wide = np.zeros((a.shape[0], 2 * a.shape[1]), a.dtype)
    wide[:, ::2] = a
    flipped = np.ascontiguousarray(a[::-1])[::-1]
    return [np.array(a, order="C"), np.array(a, order="F"), flipped, wide[:, ::2]]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_level_1_and_2(m, dtype):
    rng = np.random.default_rng(3)
    tol = 1e-5 if dtype == np.float32 else 1e-12
    x = rng.standard_normal(7).astype(dtype)
    y = rng.standard_normal(7).astype(dtype)
    for xs, ys in ((x, y), (x[::-1], y), (np.repeat(x, 2)[::2], y[::-1])):
        assert m.dot(xs, ys) == pytest.approx(float(xs @ ys), rel=tol, abs=tol)
    y2 = y.copy()
    m.axpy(dtype(2), x, y2[::1])
    assert np.allclose(y2, y + 2 * x, rtol=tol)
    a = rng.standard_normal((5, 7)).astype(dtype)
    for av in layouts(a):
        out = np.ones(5, dtype)
        m.gemv(dtype(1.5), av, x, dtype(0.5), out)
        assert np.allclose(out, 1.5 * a @ x + 0.5, rtol=tol * 10, atol=tol * 10)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_gemm_every_layout(m, dtype):
    rng = np.random.default_rng(4)
    tol = 1e-4 if dtype == np.float32 else 1e-10
    a = rng.standard_normal((4, 6)).astype(dtype)
    b = rng.standard_normal((6, 3)).astype(dtype)
    for av, bv, k in itertools.product(layouts(a), layouts(b), range(4)):
        c = layouts(np.ones((4, 3), dtype))[k]  # a fresh C each time: it is written
        m.gemm(dtype(2), av, bv, dtype(-1), c)
        assert np.allclose(c, 2 * a @ b - 1, rtol=tol, atol=tol)
    assert np.allclose(
        m.matmul(a.astype(np.float64), b.astype(np.float64)), a @ b, rtol=tol, atol=tol
    )


def test_solvers(m):
    rng = np.random.default_rng(5)
    a = rng.standard_normal((5, 5)) + 5 * np.eye(5)
    b = rng.standard_normal((5, 2))
    for ka, kb in itertools.product(range(4), range(4)):
        x = layouts(b)[kb]
        m.gesv(layouts(a)[ka], x)
        assert np.allclose(a @ np.asarray(x), b)
    x1 = b[:, 0].copy()
    m.gesv1(a.copy(), x1)
    assert np.allclose(a @ x1, b[:, 0])
    spd = a @ a.T + np.eye(5)
    x = b.copy()
    m.posv(spd.copy(), x)
    assert np.allclose(spd @ x, b)
    with pytest.raises(ValueError, match=r"pyx::blas::gesv: the matrix is singular \(U\(1, 1\)"):
        m.gesv(np.array([[1.0, 2.0], [2.0, 4.0]]), np.ones((2, 1)))
    with pytest.raises(ValueError, match="pyx::blas::posv: the matrix is not positive definite"):
        m.posv(-np.eye(2), np.ones((2, 1)))


def test_shape_errors(m):
    with pytest.raises(ValueError, match="pyx::blas::dot: x has 3 elements, y 2"):
        m.dot(np.ones(3), np.ones(2))
    with pytest.raises(ValueError, match=r"pyx::blas::gemm: A is 2x3, B 2x2, C 2x2"):
        m.gemm(1.0, np.ones((2, 3)), np.ones((2, 2)), 0.0, np.ones((2, 2)))
    with pytest.raises(ValueError, match="pyx::blas::gesv: A is 2x3"):
        m.gesv(np.ones((2, 3)), np.ones((2, 1)))
    a = np.ones((3, 3))
    refs = sys.getrefcount(a)
    for _ in range(1000):
        m.gemm(1.0, a, a, 0.0, np.empty((3, 3)))
    assert sys.getrefcount(a) == refs


def test_missing_scipy_is_an_import_error_naming_it(m, tmp_path_factory):
    cache = tb.shared_cache_dir(tmp_path_factory)
    code = f"""
import sys
sys.modules["scipy"] = None  # as if SciPy were not installed
sys.path.insert(0, {str(Path(__file__).parent)!r})
import numpy as np, pyxtypes_build as tb
m = tb.load({str(SOURCE)!r}, {str(cache)!r}, "pyx_blas")
try:
    m.dot(np.ones(2), np.ones(2))
except ImportError as e:
    print("ImportError:", e)
"""
    out = run_python(code).stdout
    assert (
        "ImportError: pyx::blas needs SciPy: scipy.linalg.cython_blas could not be imported" in out
    )


def test_allocating_forms_return_new_arrays(m):
    rng = np.random.default_rng(8)
    a = rng.standard_normal((5, 4))
    x = rng.standard_normal(4)
    b = rng.standard_normal((4, 3))
    assert np.allclose(m.matvec_new(2.0, a, x), 2 * a @ x)
    v = rng.random(5)
    assert np.allclose(m.matvec_new(1.0, a.T[:, ::-1], v), a.T[:, ::-1] @ v)
    assert np.allclose(m.matmul_new(0.5, a[:, ::2], b[::2]), 0.5 * a[:, ::2] @ b[::2])
    assert m.matmul_new(1.0, np.zeros((0, 2)), np.zeros((2, 3))).shape == (0, 3)
    spd = a.T @ a + 4 * np.eye(4)
    rhs = rng.standard_normal(4)
    for flag in (True, False):
        assert np.allclose(m.solve_new(spd.copy(), rhs, flag), np.linalg.solve(spd, rhs))
    with pytest.raises(ValueError, match="gemv"):
        m.matvec_new(1.0, a, np.ones(3))
