"""The inner loops of PYX_UFUNC exports: the contiguous path is vectorised
(GCC's optimisation report, not timings), PYX_UFUNC_PARALLEL splits large
calls across OpenMP threads and keeps small ones serial, and the compiler's
checks name the mistake in a gufunc's parameters."""

from __future__ import annotations

import os
import re
import shutil
import subprocess

import cxximport
import pytest
from conftest import needs_core

pytestmark = needs_core

SEED = """\
// cxximport: cxxflags = -fopt-info-vec-optimized
#include <algorithm>

/// The seed's rule as a 5-input ufunc.
PYX_UFUNC double seed(double a, double x, double y, double b, double c) {
    return std::clamp(a, 2.0, 10.0) * x + y * b + c;
}
"""


def _is_gcc() -> bool:
    cxx = os.environ.get("CXX") or shutil.which("c++") or "c++"
    out = subprocess.run([cxx, "--version"], capture_output=True, text=True).stdout
    return "GCC" in out or "g++" in out or "Free Software Foundation" in out


# std::sqrt vectorises only without errno: ufunc modules compile with -fno-math-errno.
SQRT = """\
// cxximport: cxxflags = -fopt-info-vec-optimized
#include <cmath>

PYX_UFUNC float hyp(float x, float y) { return std::sqrt(x * x + y * y); }
"""


@pytest.mark.skipif(not _is_gcc(), reason="reads GCC's -fopt-info report")
@pytest.mark.parametrize("rule", ["seed", "sqrt"])
def test_contiguous_inner_loop_is_vectorised(rule, tmp_path, cache_dir):
    src = tmp_path / f"vec{rule}.cxxpyx"
    src.write_text(SEED if rule == "seed" else SQRT)
    so_path = cxximport.build(str(src))
    text = open(os.path.dirname(so_path) + "/build.log").read()
    header = os.path.join(
        os.path.dirname(cxximport.__file__), "templates", "pyx", "detail", "ufunc_scalar.hpp"
    )
    with open(header) as f:
        line = next(i for i, t in enumerate(f, 1) if "vectorised: checked by tests/test_ufunc" in t)
    hits = re.findall(rf"pyx/detail/ufunc_scalar\.hpp:{line}:\d+: optimized: loop vectorized", text)
    assert hits, f"the contiguous loop (line {line}) was not vectorised:\n" + text[-3000:]


PARALLEL = """\
// cxximport: openmp
#include <omp.h>
#include <stdexcept>

PYX_UFUNC PYX_UFUNC_PARALLEL_MIN(1000)
int thread_of(double x) { return omp_get_thread_num() + 0 * static_cast<int>(x); }

PYX_UFUNC PYX_UFUNC_PARALLEL_MIN(1000)
double recip(double x) {
    if (x < 0) throw std::invalid_argument("recip: negative");
    return 1.0 / x;
}

PYX_UFUNC PYX_UFUNC_PARALLEL PYX_UFUNC_IDENTITY(0)
double padd(double a, double b) { return a + b; }

/// Row sums, in parallel over rows.
PYX_GUFUNC("(n)->()") PYX_UFUNC_PARALLEL_MIN(8)
double rowsum(pyx::view<const double, 1> v) {
    double s = 0;
    for (pyx::index_t i = 0; i < v.shape(0); ++i) s += v(i);
    return s;
}

PYX_GUFUNC("()->()") PYX_UFUNC_PARALLEL_MIN(8)
int row_thread(double x) { return omp_get_thread_num() + 0 * static_cast<int>(x); }

PYX_UFUNC PYX_UFUNC_PARALLEL_MIN(1000)
long cdiv(long a, long b) { return a / b; }

PYX_GUFUNC("(n)->()") PYX_UFUNC_PARALLEL_MIN(8)
double past_end(pyx::view<const double, 1> row) { return row.at(row.shape(0)); }
"""


def test_parallel_ufunc_splits_large_calls_and_keeps_small_ones_serial(tmp_path, cache_dir, python):
    src = tmp_path / "parufunc.cxxpyx"
    src.write_text(PARALLEL)
    cxximport.build(str(src))
    proc = python(
        f"""
        import json, warnings
        import numpy as np, cxximport
        m = cxximport.load({str(src)!r}, no_build=True)
        out = {{}}
        out["big"] = sorted(set(m.thread_of(np.zeros(100_000)).tolist()))
        out["small"] = sorted(set(m.thread_of(np.zeros(999)).tolist()))
        out["strided"] = sorted(set(m.thread_of(np.zeros(200_000)[::2]).tolist()))
        x = np.arange(1.0, 100_001.0)
        out["recip_ok"] = bool(np.allclose(m.recip(x), 1 / x))
        x[-1] = 0.0  # in the last thread's share
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            m.recip(x)
        out["warned"] = [str(i.message) for i in w]
        with np.errstate(divide="raise"):
            try:
                m.recip(x)
                out["raised"] = None
            except FloatingPointError as e:
                out["raised"] = str(e)
        x[-1] = -1.0
        try:
            m.recip(x)
        except ValueError as e:
            out["error"] = str(e)
        y = np.random.default_rng(0).random(1_000_000)
        out["reduce_ok"] = bool(np.isclose(m.padd.reduce(y), y.sum()))
        out["accumulate_ok"] = bool(np.allclose(m.padd.accumulate(y[:5000]), np.cumsum(y[:5000])))
        rows = np.random.default_rng(1).random((64, 10))
        out["rowsum_ok"] = bool(np.allclose(m.rowsum(rows), rows.sum(1)))
        out["rows_threads"] = sorted(set(m.row_thread(np.zeros(64)).tolist()))
        out["rows_small"] = sorted(set(m.row_thread(np.zeros(7)).tolist()))
        num, den = np.arange(100_000), np.ones(100_000, dtype=np.int64)
        den[[10, 99_990]] = 0  # one zero in each thread's share
        with np.errstate(divide="raise"):
            try:
                m.cdiv(num, den)
            except FloatingPointError as e:
                out["cdiv_raised"] = str(e)
        with np.errstate(divide="ignore"):
            q = m.cdiv(num, den)
        out["cdiv_ok"] = bool(q[10] == 0 and q[99_990] == 0 and q.sum() == num.sum() - 10 - 99_990)
        try:
            m.past_end(np.zeros((64, 3)))
        except IndexError as e:
            out["oob"] = str(e)
        print(json.dumps(out))
        """,
        env={"OMP_NUM_THREADS": "2"},
    )
    assert proc.returncode == 0, proc.stderr
    r = proc.result
    assert r["big"] == [0, 1] and r["strided"] == [0, 1]
    assert r["small"] == [0]
    assert r["recip_ok"]
    assert any("divide by zero encountered in recip" in w for w in r["warned"]), r["warned"]
    assert r["raised"] and "divide by zero" in r["raised"]
    assert r["error"] == "recip: negative"
    assert r["reduce_ok"] and r["accumulate_ok"] and r["rowsum_ok"]
    assert r["rows_threads"] == [0, 1] and r["rows_small"] == [0]
    assert "divide by zero" in r["cdiv_raised"] and r["cdiv_ok"]
    assert r["oob"] == "index (3,) is out of bounds for array 'row' with shape (3,)"


def test_gufunc_parameter_mistakes_fail_to_compile_with_a_clear_message(tmp_path, cache_dir):
    src = tmp_path / "badgufunc.cxxpyx"
    src.write_text('PYX_GUFUNC("(n)->()")\ndouble total(pyx::view<double, 1> v) { return v(0); }\n')
    with pytest.raises(cxximport.CompileError) as info:
        cxximport.build(str(src))
    text = str(info.value)
    assert "gufunc inputs are read-only: use pyx::view<const T, N>" in text
    assert f"{src}:2:" in text and "in the bindings generated for `total`" in text


def test_ufunc_of_a_type_without_a_dtype_names_the_function(tmp_path, cache_dir):
    src = tmp_path / "badufunc.cxxpyx"
    src.write_text("#include <string>\n\nPYX_UFUNC double size_of(std::string s) { return 1.0; }\n")
    with pytest.raises(cxximport.CompileError) as info:
        cxximport.build(str(src))
    text = str(info.value)
    assert f"{src}:3:" in text and "in the bindings generated for `size_of`" in text
    assert "has no NumPy dtype" in text


def test_marks_are_checked_before_compiling_with_file_and_line(tmp_path, cache_dir):
    src = tmp_path / "badsig.cxxpyx"
    src.write_text('\nPYX_GUFUNC("(n)(n)->()") double f(pyx::view<const double, 1> a);\n')
    with pytest.raises(cxximport.CompileError) as info:
        cxximport.build(str(src))
    assert f"{src}:2:12: bad gufunc signature \"(n)(n)->()\": expected '->'" in str(info.value)


def test_compile_commands_of_a_ufunc_module_compile(tmp_path):
    from cxximport import ide

    src = tmp_path / "ideufunc.cxxpyx"
    src.write_text(
        "template <pyx::fused<int, long> T>\n"
        "PYX_UFUNC PYX_UFUNC_IDENTITY(0) T div(T a, T b) { return pyx::floor_divide(a, b); }\n"
    )
    args = ide.compile_command(str(src))["arguments"]
    i = args.index("pyx/ufunc.hpp")
    assert args[i - 1] == "-include"
    # pyx::floor_divide comes from pyx/ufunc.hpp: the editor's compiler sees it.
    proc = subprocess.run([*args[:-2], "-fsyntax-only", str(src)], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
