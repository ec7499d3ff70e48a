"""Issue 9 point 6: pyx::object for calling back into NumPy: pyx::import,
attributes, calls with positional and keyword arguments, numbers both ways,
checked conversion to views and arrays, and the pyx::gil scope."""

from __future__ import annotations

import sys
import types
from pathlib import Path

import numpy as np
import pytest
import pyxtypes_build as tb
from conftest import needs_core

pytestmark = needs_core

SOURCE = Path(__file__).resolve().parent / "data" / "runtime" / "pyobject.cxxpyx"


@pytest.fixture(scope="module")
def m(tmp_path_factory):
    return tb.load(SOURCE, tb.shared_cache_dir(tmp_path_factory), "pyx_pyobject")


def test_calls_into_numpy(m):
    v = np.array([3.0, 1.0, 2.0])
    assert m.sorted_desc(v).tolist() == [3.0, 2.0, 1.0]
    assert v.tolist() == [3.0, 1.0, 2.0]
    assert m.norm(np.array([3.0, 4.0]), 2) == 5.0 and m.norm(np.array([3.0, -4.0]), 1) == 7.0
    a = m.adopt("eye", 3)
    assert a.shape == (3, 3) and (a == np.eye(3)).all()
    assert m.as_int(7) == 7 and m.as_int(np.int16(-3)) == -3
    o = types.SimpleNamespace()
    assert m.tag(o, 1.5) == 4.0 and o.value == 3.0


def test_checked_conversions_raise(m):
    with pytest.raises(ValueError, match=r"expected a 2-D array, got a 1-D array"):
        m.adopt("ones", 3)
    with pytest.raises(TypeError, match=r"expected an array of dtype float64, got dtype int64"):
        m.adopt("arange", 4)
    with pytest.raises(
        TypeError, match=r"pyx::object::as<T>\(\) argument 'object': expected int, got str"
    ):
        m.as_int("x")
    with pytest.raises(AttributeError):
        m.adopt("no_such_function", 1)
    with pytest.raises(ValueError, match="negative dimensions"):  # NumPy's own error, unchanged
        m.adopt("ones", -1)


def test_gil_scope_in_nogil_functions(m):
    assert m.nogil_sum(np.array([0.1] * 10), True) == 1.0
    with pytest.raises(RuntimeError, match=r"pyx::object used without the GIL .*hold a pyx::gil"):
        m.nogil_sum(np.ones(2), False)


def test_no_reference_leaks(m):
    v = np.array([3.0, 1.0, 2.0])
    before = sys.getrefcount(v), sys.getrefcount(np.sort)
    for _ in range(2000):
        m.sorted_desc(v)
        m.norm(v, 2)
    assert (sys.getrefcount(v), sys.getrefcount(np.sort)) == before
