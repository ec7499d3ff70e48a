"""Numerics defaults (issue 15, docs/language.md "Numerics defaults"):
libmvec-vectorised math by default and `vecmath = false` to turn it off (the
flags, the symbols, the key), `#pragma omp simd` without the openmp
directive, pyx::sum / pyx::dot / pyx::abs_fast / pyx::norm_fast against
exact references."""

from __future__ import annotations

import math
import os
import re
import subprocess

import cxximport
import numpy as np
import pytest

MATH = """\
{directive}
#include <cmath>

template <pyx::fused<float, double> T>
PYX_EXPORT pyx::array<T, 1> vexp(pyx::cview<const T, 1> x) {{
    auto out = pyx::empty<T>(x.shape());
    for (Py_ssize_t i = 0; i < x.shape(0); ++i) out(i) = std::exp(x(i));
    return out;
}}

template <pyx::fused<float, double> T>
PYX_EXPORT pyx::array<T, 1> vsin(pyx::cview<const T, 1> x) {{
    auto out = pyx::empty<T>(x.shape());
    for (Py_ssize_t i = 0; i < x.shape(0); ++i) out(i) = std::sin(x(i));
    return out;
}}

PYX_EXPORT double simd_sum(pyx::cview<const double, 1> x) {{
    double s = 0;
    #pragma omp simd reduction(+:s)
    for (Py_ssize_t i = 0; i < x.shape(0); ++i) s += x(i);
    return s;
}}
"""


def _mvec_symbols(so_path: str) -> list[str]:
    out = subprocess.run(["nm", "-D", so_path], capture_output=True, text=True, check=True).stdout
    return re.findall(r"_ZGV\w+", out)


def _ulps(got: np.ndarray, want: np.ndarray) -> float:
    """Largest error in units of the last place of got's type (want may be wider)."""
    spacing = np.spacing(np.abs(want).astype(got.dtype)).astype(np.longdouble)
    return float(np.max(np.abs(got.astype(np.longdouble) - want) / spacing))


def _flags(so_path: str) -> str:
    return open(os.path.join(os.path.dirname(so_path), "build.ninja")).read()


def test_math_loops_call_libmvec_by_default_within_4_ulp(tmp_path, cache_dir):
    src = tmp_path / "vmath.cxxpyx"
    src.write_text(MATH.format(directive="// plain"))
    so = cxximport.build(str(src))
    flags = _flags(so)
    assert "-fno-math-errno" in flags and "-fopenmp-simd" in flags and "vecmath.hpp" in flags
    symbols = _mvec_symbols(so)
    assert any("_exp" in s for s in symbols) and any("_sinf" in s for s in symbols), symbols
    mod = cxximport.load(str(src))
    x = np.linspace(-20, 20, 10_001)
    xl = x.astype(np.longdouble)
    assert _ulps(mod.vexp(x), np.exp(xl)) <= 4
    assert _ulps(mod.vsin(x), np.sin(xl)) <= 4
    x32 = x.astype(np.float32)
    assert _ulps(mod.vexp(x32), np.exp(x32.astype(np.float64))) <= 4
    assert _ulps(mod.vsin(x32), np.sin(x32.astype(np.float64))) <= 4


def test_omp_simd_reduction_works_without_the_openmp_directive(tmp_path, cache_dir):
    src = tmp_path / "simdsum.cxxpyx"
    src.write_text(
        "// cxximport: cxxflags = -fopt-info-vec-optimized\n" + MATH.format(directive="")
    )
    so = cxximport.build(str(src))
    log = open(os.path.join(os.path.dirname(so), "build.log")).read()
    assert re.search(r"simdsum\.cxxpyx:1[56]:\d+: optimized: loop vectorized", log), log[-3000:]
    assert "-fopenmp " not in _flags(so)  # no OpenMP runtime
    mod = cxximport.load(str(src))
    x = np.random.default_rng(0).standard_normal(1003)
    assert mod.simd_sum(x) == pytest.approx(math.fsum(x), rel=1e-12, abs=1e-12)


def test_vecmath_false_keeps_scalar_math_and_changes_the_key(tmp_path, cache_dir):
    on = tmp_path / "on" / "vm.cxxpyx"
    off = tmp_path / "off" / "vm.cxxpyx"
    for path, directive in ((on, "// plain"), (off, "// cxximport: vecmath = false")):
        path.parent.mkdir()
        path.write_text(MATH.format(directive=directive))
    so_on, so_off = cxximport.build(str(on)), cxximport.build(str(off))
    assert os.path.dirname(so_on) != os.path.dirname(so_off)
    assert "-fno-math-errno" not in _flags(so_off) and "vecmath.hpp" not in _flags(so_off)
    assert _mvec_symbols(so_off) == []
    # The install()/build() option does the same, and is a different key from the default.
    so_opt = cxximport.build(str(on), vecmath=False)
    assert os.path.dirname(so_opt) != os.path.dirname(so_on)
    assert _mvec_symbols(so_opt) == []
    x = np.linspace(-5, 5, 101)
    a = cxximport.load(str(on), module="vm_on").vexp(x)
    b = cxximport.load(str(off), module="vm_off").vexp(x)
    assert _ulps(a, b) <= 4


def test_vecmath_directive_rejects_a_bad_value(tmp_path, cache_dir):
    src = tmp_path / "badvm.cxxpyx"
    src.write_text(MATH.format(directive="// cxximport: vecmath = maybe"))
    with pytest.raises(cxximport.CompileError, match=r"badvm\.cxxpyx:1:.*'vecmath' expects"):
        cxximport.build(str(src))


HELPERS = """\
#include <complex>

PYX_EXPORT double sum2(pyx::view<const double, 2> v) { return pyx::sum(v); }
PYX_EXPORT double csum(pyx::cview<const double, 1> v) { return pyx::sum(v); }
PYX_EXPORT float sum32(pyx::cview<const float, 1> v) { return pyx::sum(v); }
PYX_EXPORT double dot(pyx::view<const double, 1> a, pyx::view<const double, 1> b) {
    return pyx::dot(a, b);
}

PYX_EXPORT pyx::array<double, 1> absf(pyx::cview<const std::complex<double>, 1> z) {
    auto out = pyx::empty<double>(z.shape());
    for (Py_ssize_t i = 0; i < z.shape(0); ++i) out(i) = pyx::abs_fast(z(i));
    return out;
}
PYX_EXPORT pyx::array<float, 1> absf32(pyx::cview<const std::complex<float>, 1> z) {
    auto out = pyx::empty<float>(z.shape());
    for (Py_ssize_t i = 0; i < z.shape(0); ++i) out(i) = pyx::abs_fast(z(i));
    return out;
}
PYX_EXPORT pyx::array<double, 1> normf(pyx::cview<const std::complex<double>, 1> z) {
    auto out = pyx::empty<double>(z.shape());
    for (Py_ssize_t i = 0; i < z.shape(0); ++i) out(i) = pyx::norm_fast(z(i));
    return out;
}
PYX_EXPORT pyx::array<std::complex<double>, 1> cmul(pyx::cview<const std::complex<double>, 1> a,
                                                    pyx::cview<const std::complex<double>, 1> b) {
    auto out = pyx::empty<std::complex<double>>(a.shape());
    for (Py_ssize_t i = 0; i < a.shape(0); ++i) out(i) = a(i) * b(i);
    return out;
}
"""


@pytest.fixture(scope="module")
def helpers(tmp_path_factory):
    root = tmp_path_factory.mktemp("helpers")
    src = root / "numhelp.cxxpyx"
    src.write_text(HELPERS)
    return cxximport.load(str(src), cache_dir=str(root / "cache"))


def test_sum_and_dot_match_exact_sums(helpers):
    rng = np.random.default_rng(1)
    for n in (0, 1, 15, 16, 17, 1000, 9999):
        x = rng.standard_normal(n)
        assert helpers.csum(x) == pytest.approx(math.fsum(x), rel=1e-12, abs=1e-12)
    m = rng.standard_normal((37, 41))
    for view in (m, m[::2, ::3], m.T, m[:, 5:6]):
        assert helpers.sum2(view) == pytest.approx(math.fsum(view.ravel()), rel=1e-12, abs=1e-12)
    a, b = rng.standard_normal(5000), rng.standard_normal(10000)
    assert helpers.dot(a, b[::2]) == pytest.approx(math.fsum(a * b[::2]), rel=1e-11, abs=1e-11)
    # float32 adds its blocks in double: as accurate as NumPy's pairwise sum.
    x32 = rng.uniform(0, 1, 1_000_003).astype(np.float32)
    exact = math.fsum(x32.astype(np.float64))
    assert abs(helpers.sum32(x32) - exact) <= abs(np.sum(x32) - exact) + 2 * np.spacing(
        np.float32(exact)
    )


def test_dot_of_different_lengths_is_a_value_error(helpers):
    with pytest.raises(
        ValueError, match="pyx::dot: the views have different lengths \\(3 and 4\\)"
    ):
        helpers.dot(np.ones(3), np.ones(4))


def test_abs_fast_is_within_2_ulp_of_hypot_over_the_whole_range(helpers):
    rng = np.random.default_rng(2)
    mag = 10.0 ** rng.uniform(-300, 300, 20000)
    z = mag * rng.standard_normal(20000) + 1j * mag * rng.standard_normal(
        20000
    ) * 10.0 ** rng.uniform(-5, 5, 20000)
    z = np.concatenate(
        [
            z,
            [
                0,
                1e308 + 1e308j,
                3e-320 + 4e-320j,
                complex(np.inf, np.nan),
                complex(np.nan, 1),
                complex(-np.inf, 0),
            ],
        ]
    )
    want = np.hypot(z.real, z.imag)
    got = helpers.absf(z)
    finite = np.isfinite(want) & (want > 0)
    assert _ulps(got[finite], want[finite]) <= 2
    np.testing.assert_array_equal(got[~finite], want[~finite])  # 0, inf, nan as hypot
    z32 = (rng.standard_normal(5000) + 1j * rng.standard_normal(5000)).astype(np.complex64)
    want32 = np.hypot(z32.real.astype(np.float64), z32.imag.astype(np.float64))
    assert _ulps(helpers.absf32(z32), want32) <= 2
    w = rng.standard_normal(1000) + 1j * rng.standard_normal(1000)
    np.testing.assert_allclose(helpers.normf(w), w.real**2 + w.imag**2, rtol=2.3e-16, atol=0)


def test_complex_multiply_matches_numpy(helpers):
    rng = np.random.default_rng(3)
    a = rng.standard_normal(999) + 1j * rng.standard_normal(999)
    b = rng.standard_normal(999) + 1j * rng.standard_normal(999)
    np.testing.assert_allclose(helpers.cmul(a, b), a * b, rtol=1e-15, atol=0)
