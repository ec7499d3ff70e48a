"""The generated matrix of bad calls (tests/bad_inputs_matrix.py): every
parameter kind x wrong type, dtype, ndim, contiguity, writability, None,
overflow per integer width, float for int, missing/extra/duplicate/unknown
arguments, plus valid zero-size and huge broadcast arrays.

Each case runs twice: in a child interpreter first (all cases in one child
that reports JSON lines; a crash fails the case that was running, with the
child's stderr, and a new child resumes after it), then in this process.
"""

from __future__ import annotations

import bad_inputs_matrix as bm
import pytest
import pyxtypes_build as tb
from conftest import needs_core

pytestmark = needs_core

CASES = bm.cases()


@pytest.fixture(scope="session")
def types_cache(tmp_path_factory):
    return tb.shared_cache_dir(tmp_path_factory)


@pytest.fixture(scope="session")
def m(types_cache):
    return tb.load(tb.TYPES_SOURCE, types_cache, "pyxtypes")


@pytest.fixture(scope="session")
def subprocess_results(m, types_cache):
    # `m` first: the module is built and cached before the children load it.
    return bm.run_in_subprocesses(tb.loader_code(types_cache))


def test_matrix_is_large():
    assert len(CASES) >= 200
    assert sum(c.exc is None for c in CASES) >= 10  # valid edge cases too


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_bad_call(case, m, subprocess_results):
    result = subprocess_results.get(case.id, {"crash": "the child reported nothing for this case"})
    assert not bm.problems(case, result), "in a child interpreter: " + "\n".join(
        bm.problems(case, result)
    )
    here = bm.run_case(m, case)
    assert not bm.problems(case, here), "\n".join(bm.problems(case, here))
