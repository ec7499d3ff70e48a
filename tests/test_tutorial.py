"""The seed tutorial's steps (examples/numpy_tutorial) build and agree with NumPy."""

from __future__ import annotations

import cxximport
import numpy as np
import pytest
from conftest import EXAMPLES, needs_core
from cxximport import demo

pytestmark = needs_core

A, B, C = 4, 3, 9
STEP_NAMES = [step.name for step in demo.STEPS]


def _arrays(shape=(37, 53), dtype=np.intc):
    rng = np.random.default_rng(1)
    a1 = rng.uniform(0, 1000, size=shape).astype(dtype)
    a2 = rng.uniform(0, 1000, size=shape).astype(dtype)
    return a1, a2


def _load(name):
    return cxximport.load(EXAMPLES / f"{name}.cxxpyx", module=f"tutorial_{name}")


def test_every_step_has_an_example_file():
    assert sorted(p.stem for p in EXAMPLES.glob("*.cxxpyx")) == sorted(STEP_NAMES)


@pytest.mark.parametrize("name", STEP_NAMES)
def test_step_builds_and_equals_numpy(cache_dir, name):
    mod = _load(name)
    a1, a2 = _arrays()
    expected = demo.compute_np(a1, a2, A, B, C)
    got = mod.compute(a1, a2, A, B, C)
    assert got.dtype == expected.dtype
    np.testing.assert_array_equal(got, expected)
    with pytest.raises(ValueError, match="same shape"):
        mod.compute(a1, a2[:-1], A, B, C)


@pytest.mark.parametrize("dtype", [np.int32, np.float64, np.int64])
def test_final_fused_openmp_kernel_equals_numpy(cache_dir, dtype):
    mod = _load("compute_prange")
    a1, a2 = _arrays((301, 203), dtype)
    expected = demo.compute_np(a1, a2, A, B, C)
    got = mod.compute(a1, a2, A, B, C)
    assert got.dtype == np.dtype(dtype)
    np.testing.assert_array_equal(got, expected)


def test_fused_step_rejects_an_unlisted_dtype_with_type_error(cache_dir):
    mod = _load("compute_fused")
    a1, a2 = _arrays(dtype=np.float32)
    with pytest.raises(TypeError):
        mod.compute(a1, a2, A, B, C)


@pytest.mark.parametrize("name", ["compute_memview", "compute_index", "compute_typed"])
def test_strided_steps_accept_sliced_arrays(cache_dir, name):
    mod = _load(name)
    a1, a2 = _arrays((40, 60))
    s1, s2 = a1[::2, ::-3], a2[1::2, ::3]
    np.testing.assert_array_equal(mod.compute(s1, s2, A, B, C), demo.compute_np(s1, s2, A, B, C))


def test_contiguous_step_refuses_a_non_contiguous_array(cache_dir):
    mod = _load("compute_contiguous")
    a1, a2 = _arrays((40, 60))
    with pytest.raises(ValueError):
        mod.compute(a1[:, ::2], a2[:, ::2], A, B, C)


def test_demo_quick_checks_every_step_and_prints_the_table(cache_dir, cli):
    proc = cli("demo", "--quick", "--repeat", "1", "--examples", str(EXAMPLES))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    out = proc.stdout
    assert "vs NumPy" in out and "what it changed" in out
    for name in ["NumPy", *STEP_NAMES]:
        assert name in out
    assert "equal NumPy's result" in out
