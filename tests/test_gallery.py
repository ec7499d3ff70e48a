"""examples/gallery/: each .cxxpyx kernel gives the result of its NumPy
original (the .py next to it), and the README's line counts are current."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import numpy as np
import pytest
import pyxtypes_build as tb
from conftest import needs_core

pytestmark = needs_core

GALLERY = Path(__file__).resolve().parent.parent / "examples" / "gallery"
RNG = np.random.default_rng(9)
X = RNG.standard_normal((30, 4))

# kernel: (function, argument tuples)
CASES = {
    "heat": ("heat_step", [(RNG.random((6, 7)), 0.1), (RNG.random((3, 3)), 0.25)]),
    "runs": ("run_starts", [(np.array([3, 3, 1, 1, 1, 7, 3]),), (np.array([5]),)]),
    "ndindex": (
        "index_weighted_sum",
        [(RNG.random(()),), (RNG.random(5),), (RNG.random((2, 3, 4)).T,)],
    ),
    "trimmed": ("trimmed_means", [(RNG.random((5, 9)), 2), (RNG.random((3, 4)), 0)]),
    "ridge": ("ridge", [(X, RNG.standard_normal(30), 0.5)]),
    "smooth": ("smooth", [(RNG.random(10),), (RNG.random(6), (1, 0, 3)), (RNG.random(3),)]),
    "ema": ("ema", [(RNG.random(20), 0.3), (np.zeros(0), 0.5)]),
}


def lines_of_code(path: Path) -> int:
    """Non-blank lines that are not only a comment."""
    n = 0
    for line in path.read_text().splitlines():
        s = line.strip()
        if s and not s.startswith(("#!", "//", "# ")) and s != "#":
            n += 1
    return n


def numpy_original(name: str):
    spec = importlib.util.spec_from_file_location(f"gallery_np_{name}", GALLERY / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("name", sorted(CASES))
def test_kernel_equals_its_numpy_original(name, tmp_path_factory):
    cache = tb.shared_cache_dir(tmp_path_factory)
    cxx = tb.load(GALLERY / f"{name}.cxxpyx", cache, f"gallery_{name}")
    py = numpy_original(name)
    func, calls = CASES[name]
    for args in calls:
        want = getattr(py, func)(*args)
        got = getattr(cxx, func)(*args)
        want = want if isinstance(want, tuple) else (want,)
        got = got if isinstance(got, tuple) else (got,)
        assert len(got) == len(want)
        for w, g in zip(want, got, strict=True):
            assert np.allclose(np.asarray(g), np.asarray(w)), (name, args)


def test_readme_line_counts_are_current():
    readme = (GALLERY / "README.md").read_text()
    ratios = []
    for name in CASES:
        py, cxx = lines_of_code(GALLERY / f"{name}.py"), lines_of_code(GALLERY / f"{name}.cxxpyx")
        ratios.append(cxx / py)
        row = rf"\| \[`{name}`\].* \| {py} \| {cxx} \| {cxx / py:.2f} \|"
        assert re.search(row, readme), f"README row for {name}: {py} and {cxx} lines"
    assert f"average ratio: **{sum(ratios) / len(ratios):.2f}**" in readme
    assert sum(ratios) / len(ratios) <= 1.3, "issue 9's target: at most 1.3x the NumPy lines"
