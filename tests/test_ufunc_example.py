"""examples/ufuncs/: the seed's rule as a 5-input ufunc with broadcasting and
the row-norm and pairwise-distance gufuncs give NumPy's answers."""

from __future__ import annotations

import numpy as np
import pytest
import pyxtypes_build
from conftest import REPO, needs_core

pytestmark = needs_core

EXAMPLE = REPO / "examples" / "ufuncs"


@pytest.fixture(scope="session")
def example_cache(tmp_path_factory):
    # One build for all xdist workers (the per-key lock makes the others wait).
    return pyxtypes_build.shared_cache_dir(tmp_path_factory)


@pytest.fixture(scope="module")
def ex(example_cache):
    import cxximport

    # The name demo.py imports it by, so the demo below finds it in the cache.
    return cxximport.load(EXAMPLE / "ufuncs.cxxpyx", module="ufuncs", cache_dir=str(example_cache))


def seed(array_1, array_2, a, b, c):
    return np.clip(array_1, 2, 10) * a + array_2 * b + c


def test_seed_rule_is_a_five_input_ufunc_that_broadcasts(ex):
    f = ex.compute
    assert isinstance(f, np.ufunc) and (f.nin, f.nout) == (5, 1)
    assert f.types == ["iiiii->i", "lllll->l", "ddddd->d"]
    rng = np.random.default_rng(0)
    for dt in (np.int32, np.int64, np.float64):
        array_1 = rng.integers(-5, 20, (30, 40)).astype(dt)
        array_2 = rng.integers(-5, 20, (30, 40)).astype(dt)
        a = np.arange(40, dtype=dt)  # per column
        b = np.arange(30, dtype=dt)[:, None]  # per row
        got = f(array_1, array_2, a, b, dt(9))
        assert got.dtype == dt
        np.testing.assert_array_equal(got, seed(array_1, array_2, a, b, 9))
    assert f(1, 2, 3, 4, 5) == 2 * 3 + 2 * 4 + 5


def test_gufuncs_row_norm_and_pairwise_distance(ex):
    rng = np.random.default_rng(1)
    x = rng.random((7, 3))
    y = rng.random((4, 3))
    np.testing.assert_allclose(ex.row_norm(x), np.linalg.norm(x, axis=-1))
    f4 = ex.row_norm(x.astype(np.float32))
    assert f4.dtype == np.float32
    np.testing.assert_allclose(f4, np.linalg.norm(x, axis=-1), rtol=1e-6)
    want = np.linalg.norm(x[:, None, :] - y[None, :, :], axis=-1)
    np.testing.assert_allclose(ex.pairwise_distance(x, y), want)
    assert ex.pairwise_distance.signature == "(n,d),(m,d)->(n,m)"


def test_demo_runs(ex, example_cache, python, cache_dir):
    demo = EXAMPLE / "demo.py"
    env = {"CXXIMPORT_CACHE_DIR": str(example_cache), "CXXIMPORT_NO_BUILD": "1"}
    proc = python(demo.read_text().replace("__file__", repr(str(demo))), env=env)
    assert proc.returncode == 0, proc.stderr
    assert "loops: ['iiiii->i', 'lllll->l', 'ddddd->d']" in proc.stdout
