"""Issue 14, defect 5: an element or scalar type whose size no NumPy dtype has
(GNU's __int128 with std = gnu++20) is a compile error naming the type, never
an array of the wrong size or a conversion through a narrower range; long
double, which NumPy has (longdouble), works."""

from __future__ import annotations

import cxximport
import numpy as np
import pytest
from conftest import needs_core

pytestmark = needs_core

CASES = {
    "zeros_int128": "PYX_EXPORT Py_ssize_t f(Py_ssize_t n) {\n"
    "  auto a = pyx::zeros<__int128>(n);\n  return a.size();\n}\n",
    "param_uint128": "PYX_EXPORT int f(unsigned __int128 x) { return x == 0; }\n",
    "view_int128": "PYX_EXPORT Py_ssize_t f(pyx::view<const __int128, 1> v) {\n"
    "  return v.shape(0);\n}\n",
    "return_int128": "PYX_EXPORT __int128 f(int x) { return x; }\n",
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_int128_is_a_compile_error_naming_it(isolated_import, write_source, case):
    write_source(f"{case}.cxxpyx", "// cxximport: std = gnu++20\n" + CASES[case])
    with pytest.raises(cxximport.CompileError) as info:
        isolated_import.import_module(case)
    message = str(info.value)
    assert "__int128" in message and "have no NumPy dtype" in message, message
    assert f"{case}.cxxpyx:" in message.splitlines()[0]


def test_long_double_is_numpy_longdouble(isolated_import, write_source):
    write_source(
        "longdbl.cxxpyx",
        """
        // cxximport: std = gnu++20
        PYX_EXPORT pyx::array<long double, 1> ramp(Py_ssize_t n) {
          auto a = pyx::zeros<long double>(n);
          for (Py_ssize_t i = 0; i < n; ++i) a(i) = i;
          return a;
        }
        PYX_EXPORT long double total(pyx::view<const long double, 1> v) {
          long double s = 0;
          for (Py_ssize_t i = 0; i < v.shape(0); ++i) s += v(i);
          return s;
        }
        """,
    )
    m = isolated_import.import_module("longdbl")
    a = m.ramp(1000)
    assert a.dtype == np.longdouble and a.shape == (1000,) and a[999] == 999
    assert m.total(a) == 499500.0
    with pytest.raises(
        TypeError, match=r"total\(\) argument 'v': expected an array of dtype longdouble"
    ):
        m.total(np.ones(3))
