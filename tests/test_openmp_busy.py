"""OpenMP on a busy machine (issue 15, docs/language.md "OpenMP on a busy
machine"): `import cxximport` makes libgomp's threads sleep at barriers
unless the user chose, and pyx::parallel_worth keeps small regions serial."""

from __future__ import annotations

import cxximport
import numpy as np
import pytest
from conftest import run_python

PROBE = "import os, cxximport, json; print(json.dumps(os.environ.get('OMP_WAIT_POLICY')))"


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({}, "passive"),
        ({"OMP_WAIT_POLICY": "active"}, "active"),
        ({"GOMP_SPINCOUNT": "1000"}, None),
    ],
)
def test_import_sets_a_passive_wait_policy_unless_the_user_chose(env, expected, monkeypatch):
    monkeypatch.delenv("OMP_WAIT_POLICY", raising=False)
    monkeypatch.delenv("GOMP_SPINCOUNT", raising=False)
    proc = run_python(PROBE, env=env)
    assert proc.returncode == 0, proc.stderr
    assert proc.result == expected


KERNEL = """\
// cxximport: openmp
#include <omp.h>

PYX_EXPORT int threads_for(long work) {
    int used = 0;
    #pragma omp parallel if(pyx::parallel_worth(work))
    {
        #pragma omp single
        used = omp_get_num_threads();
    }
    return used;
}

PYX_EXPORT pyx::array<double, 1> doubled(pyx::cview<const double, 1> x) {
    auto out = pyx::empty<double>(x.shape());
    #pragma omp parallel for if(pyx::parallel_worth(x.shape(0)))
    for (Py_ssize_t i = 0; i < x.shape(0); ++i) out(i) = 2 * x(i);
    return out;
}
"""


def test_parallel_worth_keeps_small_regions_serial(tmp_path, cache_dir):
    src = tmp_path / "worth.cxxpyx"
    src.write_text(KERNEL)
    mod = cxximport.load(str(src))
    assert mod.threads_for(10) == 1
    assert mod.threads_for(99_999) == 1
    assert mod.threads_for(10**9) >= 1  # parallel only when a core is idle now
    for n in (0, 5, 300_000):
        x = np.arange(n, dtype=float)
        np.testing.assert_array_equal(mod.doubled(x), 2 * x)
