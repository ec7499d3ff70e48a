"""The runtime's views must compile to plain pointer arithmetic: the seed
kernel's inner loop over pyx::cview / pyx::array is vectorised by the
compiler (checked from GCC's optimisation report, not from timings)."""

import os
import re
import shutil
import subprocess

import cxximport
import pytest

KERNEL = """\
// cxximport: cxxflags = -fopt-info-vec-optimized
#include <algorithm>

template <pyx::fused<int, double> T>
PYX_EXPORT pyx::array<T, 2> compute(pyx::cview<const T, 2> array_1,
                                    pyx::cview<const T, 2> array_2, T a, T b, T c) {
    auto result = pyx::empty<T>(array_1.shape());
    for (Py_ssize_t x = 0; x < array_1.shape(0); ++x)
        for (Py_ssize_t y = 0; y < array_1.shape(1); ++y)
            result(x, y) = std::clamp(array_1(x, y), T(2), T(10)) * a + array_2(x, y) * b + c;
    return result;
}
"""


def _is_gcc() -> bool:
    cxx = os.environ.get("CXX") or shutil.which("c++") or "c++"
    out = subprocess.run([cxx, "--version"], capture_output=True, text=True).stdout
    return "GCC" in out or "g++" in out or "Free Software Foundation" in out


@pytest.mark.skipif(not _is_gcc(), reason="reads GCC's -fopt-info report")
def test_inner_loop_over_contiguous_views_is_vectorised(tmp_path, cache_dir):
    src = tmp_path / "veckernel.cxxpyx"
    src.write_text(KERNEL)
    so_path = cxximport.build(str(src))
    log = os.path.dirname(so_path) + "/build.log"
    text = open(log).read()
    inner = re.findall(r"veckernel\.cxxpyx:9:\d+: optimized: loop vectorized", text)
    assert inner, "the inner loop (line 9) was not vectorised:\n" + text[-3000:]
