"""Issue 9 point 8: NumPy habits explained in one line at the user's line
(a view returned as a pyx::array, a tuple of growables copied, omp_* and
`#pragma omp` without the openmp directive), a std::tuple of arrays
returned without std::move, and an exception thrown in an OpenMP parallel
region reaching Python through pyx::parallel_guard. Also the whole-view
helpers (pyx::sum, mean, transform, fill, eye, arange)."""

from __future__ import annotations

import subprocess
import sys
import warnings

import cxximport
import numpy as np
import pytest
from conftest import needs_core

pytestmark = needs_core

OPENMP_FIX = "is an OpenMP function and OpenMP is off for this file: add `// cxximport: openmp`"


def compile_error(isolated_import, name):
    with pytest.raises(cxximport.CompileError) as info:
        isolated_import.import_module(name)
    return info.value, str(info.value).splitlines()


def test_view_returned_as_array_is_one_line(isolated_import, write_source):
    source = write_source(
        "viewret.cxxpyx",
        """
        PYX_EXPORT pyx::array<double, 1> tail(pyx::view<const double, 1> x) {
          return x(pyx::slice(1, pyx::_));
        }
        """,
    )
    error, lines = compile_error(isolated_import, "viewret")
    assert lines[1].startswith(f"{source}:2:")
    assert lines[1].endswith(
        "error: cxximport: a view is not a pyx::array: return v.copy() for a new array, or "
        "declare the function to return the view type (pyx::view<T, N>) to return a NumPy view "
        "of the argument"
    )
    assert lines[2] == "    2 |   return x(pyx::slice(1, pyx::_));"
    assert error.lineno == 2


def test_tuple_of_growables_copied_is_one_line(isolated_import, write_source):
    source = write_source(
        "growcopy.cxxpyx",
        """
        using ints = pyx::growable<std::int64_t>;
        PYX_EXPORT std::tuple<ints, ints> pair(Py_ssize_t n) {
          ints a, b;
          return {a, b};
        }
        """,
    )
    _, lines = compile_error(isolated_import, "growcopy")
    assert lines[1] == (
        f"{source}:4:15: error: a pyx::growable is move-only (a copy would copy its data): "
        "return {std::move(a), std::move(b)}"
    )


@pytest.mark.parametrize("include", [False, True], ids=["undeclared", "undefined"])
def test_omp_function_without_directive_names_the_fix(isolated_import, write_source, include):
    source = write_source(
        f"ompfn_{include}.cxxpyx",
        ("#include <omp.h>\n" if include else "")
        + "PYX_EXPORT int threads() {\n  return omp_get_max_threads();\n}\n",
    )
    error, lines = compile_error(isolated_import, f"ompfn_{include}")
    line = 3 if include else 2
    assert lines[1] == f"{source}:{line}:10: error: `omp_get_max_threads` {OPENMP_FIX} to the file"
    assert lines[2] == f"{line:>5} |   return omp_get_max_threads();"
    assert error.lineno == line
    assert "declared but never defined" not in str(error)


def test_omp_pragma_without_directive_warns_once_per_build(isolated_import, write_source):
    source = write_source(
        "serial.cxxpyx",
        """
        PYX_EXPORT double total(pyx::view<const double, 1> x) {
          double s = 0;
          #pragma omp simd reduction(+:s)
          for (Py_ssize_t i = 0; i < x.shape(0); ++i) s += x(i);
          #pragma omp parallel for reduction(+:s)
          for (Py_ssize_t i = 0; i < x.shape(0); ++i) s += x(i);
          return s;
        }
        """,
    )
    with pytest.warns(UserWarning) as record:
        m = isolated_import.import_module("serial")
    ours = [w for w in record if "cxximport" in str(w.message)]
    assert len(ours) == 1
    assert str(ours[0].message) == (
        f"cxximport: {source}:5: `#pragma omp parallel for reduction(+:s)` is ignored and the "
        "loop runs serially: OpenMP is off for this file; add `// cxximport: openmp`"
    )
    assert (ours[0].filename, ours[0].lineno) == (str(source), 5)
    assert m.total(np.ones(4)) == 8.0
    # A cache hit builds nothing: no warning.
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        cxximport.load(source, module="serial")


def test_omp_simd_alone_and_openmp_on_do_not_warn(isolated_import, write_source):
    write_source(
        "simdonly.cxxpyx",
        """
        // cxximport: openmp
        PYX_EXPORT double total(pyx::view<const double, 1> x) {
          double s = 0;
          #pragma omp simd reduction(+:s)
          for (Py_ssize_t i = 0; i < x.shape(0); ++i) s += x(i);
          #pragma omp parallel for reduction(+:s)
          for (Py_ssize_t i = 0; i < x.shape(0); ++i) s += x(i);
          return s;
        }
        """,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert isolated_import.import_module("simdonly").total(np.ones(3)) == 6.0


GUARDED = """
// cxximport: openmp
#include <stdexcept>
PYX_EXPORT double total(Py_ssize_t n, Py_ssize_t bad) {
  double s = 0;
  pyx::parallel_guard guard;
  #pragma omp parallel for reduction(+:s)
  for (Py_ssize_t i = 0; i < n; ++i) guard([&] {
    if (i == bad) throw std::invalid_argument("bad element " + std::to_string(i));
    s += i;
  });
  return s;
}
PYX_EXPORT double rethrown(Py_ssize_t n) {
  pyx::parallel_guard guard;
  #pragma omp parallel for
  for (Py_ssize_t i = 0; i < n; ++i) guard([&] {
    if (i == n - 1) throw std::out_of_range("last");
  });
  guard.rethrow();
  throw std::runtime_error("not reached: rethrow() throws first");
}
"""

GUARD_SCRIPT = """
import sys, cxximport
m = cxximport.load(sys.argv[1], module="guarded")
assert m.total(100, -1) == 4950.0
for _ in range(50):
    try:
        m.total(1000, 7)
    except ValueError as e:
        assert str(e) == "bad element 7", e
    else:
        raise AssertionError("no ValueError")
try:
    m.rethrown(64)
except IndexError as e:
    assert str(e) == "last", e
assert m.total(100, -1) == 4950.0
print("survived")
"""


def test_exception_in_parallel_region_becomes_python_exception(write_source, cache_dir):
    source = write_source("guarded.cxxpyx", GUARDED)
    # In a subprocess: a std::terminate fails this test, not the test run.
    out = subprocess.run(
        [sys.executable, "-c", GUARD_SCRIPT, str(source)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip() == "survived"


HELPERS = """
PYX_EXPORT std::tuple<pyx::array<double, 1>, pyx::array<double, 1>> two(Py_ssize_t n) {
  auto a = pyx::arange<double>(n), b = pyx::zeros<double>({n});
  pyx::fill(b, 2.5);
  return {a, b};
}
PYX_EXPORT pyx::array<double, 2> kept(pyx::array<double, 2> x) {
  pyx::array<double, 2> y = x;
  return y;
}
PYX_EXPORT double total(pyx::view<const double, 3> x) { return pyx::sum(x); }
PYX_EXPORT double average(pyx::view<const double, 2> x) { return pyx::mean(x); }
PYX_EXPORT std::int64_t isum(pyx::view<const std::int32_t, 1> x) { return pyx::sum(x); }
PYX_EXPORT pyx::array<double, 2> sum_axis(pyx::view<const double, 3> x, int axis) {
  return pyx::sum(x, axis);
}
PYX_EXPORT pyx::array<double, 1> mean_axis(pyx::view<const double, 2> x, int axis) {
  return pyx::mean(x, axis);
}
using matrix = pyx::view<const double, 2>;
PYX_EXPORT pyx::array<double, 2> mul_add(matrix a, matrix b) {
  auto out = pyx::empty<double>({a.shape(0), a.shape(1)});
  pyx::transform(out, [](double x, double y) { return x * y + 1; }, a, b);
  return out;
}
PYX_EXPORT pyx::array<double, 2> eye(Py_ssize_t n) { return pyx::eye<double>(n); }
PYX_EXPORT pyx::array<double, 1> arange(double start, double stop, double step) {
  return pyx::arange<double>(start, stop, step);
}
PYX_EXPORT double index_sum(pyx::anyview<const double> a) {
  double s = 0;
  for (const pyx::index_tuple& idx : a.indices()) s += pyx::sum(idx);
  return s;
}
"""


@pytest.fixture
def helpers(isolated_import, write_source):
    write_source("helpers.cxxpyx", HELPERS)
    return isolated_import.import_module("helpers")


def test_tuple_of_arrays_returns_without_move_and_without_copy(helpers):
    a, b = helpers.two(4)
    assert (a == [0, 1, 2, 3]).all() and (b == 2.5).all()
    x = np.ones((2, 3))
    before = sys.getrefcount(x)
    assert helpers.kept(x) is x  # a copy of a pyx::array is the same NumPy array
    for _ in range(10000):
        helpers.kept(x)
        helpers.two(3)
    assert sys.getrefcount(x) == before


def test_whole_view_helpers_match_numpy(helpers):
    rng = np.random.default_rng(1)
    x3 = rng.random((3, 4, 5))
    x2 = rng.random((4, 6))
    assert np.isclose(helpers.total(x3[:, ::2, 1:]), x3[:, ::2, 1:].sum())
    assert np.isclose(helpers.average(x2.T), x2.mean())
    big = np.full(3, 2**31 - 1, dtype=np.int32)
    assert helpers.isum(big) == 3 * (2**31 - 1)  # 64-bit accumulation, as NumPy
    for axis in (0, 1, 2, -1):
        assert np.allclose(helpers.sum_axis(x3, axis), x3.sum(axis=axis))
    for axis in (0, 1):
        assert np.allclose(helpers.mean_axis(x2, axis), x2.mean(axis=axis))
    assert np.isnan(helpers.mean_axis(np.zeros((0, 2)), 0)).all()
    assert np.allclose(helpers.mul_add(x2, x2[::-1]), x2 * x2[::-1] + 1)
    assert (helpers.eye(3) == np.eye(3)).all()
    for args in [(0, 1, 0.25), (5, 0, -2), (0, 0, 1), (1, 2.5, 0.5)]:
        assert np.allclose(helpers.arange(*args), np.arange(*args)), args
    assert helpers.index_sum(np.zeros((2, 3))) == sum(i + j for i in range(2) for j in range(3))


def test_whole_view_helpers_errors(helpers):
    with pytest.raises(ValueError, match=r"pyx::transform: operand shapes differ in dimension 0"):
        helpers.mul_add(np.ones((2, 3)), np.ones((3, 3)))
    with pytest.raises(IndexError, match="axis 3 is out of bounds for 3 dimensions"):
        helpers.sum_axis(np.ones((2, 2, 2)), 3)
    with pytest.raises(ValueError, match="step must not be zero"):
        helpers.arange(0, 1, 0)


def test_omp_function_and_another_undefined_name_both_shown(isolated_import, write_source):
    source = write_source(
        "ompmixed.cxxpyx",
        """
        #include <omp.h>
        double missing_helper(double);
        PYX_EXPORT double f(double x) {
          return missing_helper(x) + omp_get_max_threads();
        }
        """,
    )
    _, lines = compile_error(isolated_import, "ompmixed")
    assert lines[1] == f"{source}:4:30: error: `omp_get_max_threads` {OPENMP_FIX} to the file"
    assert lines[3] == "      (also declared but never defined: missing_helper(double))"
