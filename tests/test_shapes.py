"""Issue 9 point 1: shapes as NumPy users write them (braced, std::array,
separate dimensions), pyx::full/ones and the *_like creators; a wrong number
of dimensions is a one-line compile error."""

from __future__ import annotations

import sys
from pathlib import Path

import cxximport
import numpy as np
import pytest
import pyxtypes_build as tb
from conftest import needs_core

pytestmark = needs_core

DIMS_TEXT = "the shape's dimension count differs from the array's N"
SOURCE = Path(__file__).resolve().parent / "data" / "runtime" / "shapes.cxxpyx"


@pytest.fixture(scope="module")
def m(tmp_path_factory):
    return tb.load(SOURCE, tb.shared_cache_dir(tmp_path_factory), "pyx_shapes")


def check(a, dtype, shape, value=None):
    assert a.dtype == np.dtype(dtype) and a.shape == shape and a.flags.c_contiguous
    if value is not None:
        assert (a == value).all()


def test_braced_shapes(m):
    a = m.empty2(3, 4)
    check(a, np.float64, (3, 4))
    assert a[2, 3] == 23
    check(m.zeros1(5), np.float32, (5,), 0)
    check(m.zeros3(2, 3, 4), np.int32, (2, 3, 4), 0)
    check(m.full2(2, 3, 1.5), np.float64, (2, 3), 1.5)
    check(m.full1(4), np.int64, (4,), -7)
    check(m.ones2(3, 2), np.float64, (3, 2), 1)
    check(m.ones_dims(2, 2), np.uint8, (2, 2), 1)
    check(m.zeros1(0), np.float32, (0,))


def test_like_creators(m):
    v = np.arange(6, dtype=np.float32).reshape(2, 3)[:, ::-1]
    out = m.empty_like2(v)
    check(out, np.float32, (2, 3))
    assert (out == 2 * v).all()
    check(m.zeros_like1(np.ones(4, np.int16)[::2]), np.int16, (2,), 0)
    check(m.ones_like1(np.zeros(3)), np.float64, (3,), 1)
    check(m.full_like2(np.zeros((2, 5)), 4.0), np.float64, (2, 5), 4.0)
    check(m.ones_shape(np.zeros((4, 1))), np.float64, (4, 1), 1)
    check(m.like_of_array(3), np.float64, (3, 2), 0)


def test_bad_shapes_raise(m):
    with pytest.raises(ValueError, match="negative dimension"):
        m.full2(-1, 2, 0.0)
    with pytest.raises(ValueError, match="negative dimension"):
        m.zeros1(-3)
    refs = sys.getrefcount(None)
    for _ in range(1000):
        m.ones2(2, 2)
    assert abs(sys.getrefcount(None) - refs) < 10


def test_wrong_number_of_dimensions_is_one_compile_error(isolated_import, write_source):
    source = write_source(
        "baddims.cxxpyx",
        """
        PYX_EXPORT pyx::array<double, 2> grid(Py_ssize_t n) {
          return pyx::zeros<double>({n});
        }
        """,
    )
    with pytest.raises(cxximport.CompileError) as info:
        isolated_import.import_module("baddims")
    lines = str(info.value).splitlines()
    assert lines[1].startswith(f"{source}:2:")
    assert lines[1].endswith("error: cxximport: wrong number of dimensions: " + DIMS_TEXT)
    assert lines[2] == "    2 |   return pyx::zeros<double>({n});"
    assert info.value.lineno == 2


def test_numpy_shape_subscript_is_explained_in_one_line(isolated_import, write_source):
    source = write_source(
        "npshape.cxxpyx",
        """
        PYX_EXPORT Py_ssize_t rows(pyx::view<const double, 2> x) {
          return x.shape[0];
        }
        """,
    )
    with pytest.raises(cxximport.CompileError) as info:
        isolated_import.import_module("npshape")
    lines = str(info.value).splitlines()
    assert lines[1] == (
        f"{source}:2:17: error: `x.shape[0]` is NumPy's spelling: in C++ `shape` is a function, "
        "did you mean `x.shape(0)`?"
    )
    assert lines[2] == "    2 |   return x.shape[0];"
