"""Issue 15, target 3: generated wrappers bind an all-positional call to the
caller's own argument vector (no copy); keywords, defaults, too many or too
few arguments and zero-parameter functions take the slow binder. Same
results and messages on every path."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import pyxtypes_build as tb
from conftest import needs_core

pytestmark = needs_core

SOURCE = Path(__file__).resolve().parent / "data" / "runtime" / "binding.cxxpyx"


@pytest.fixture(scope="module")
def m(tmp_path_factory):
    return tb.load(SOURCE, tb.shared_cache_dir(tmp_path_factory), "pyx_binding")


def test_positional_keyword_and_mixed_calls_agree(m):
    assert m.add(1, 2) == m.add(1, b=2) == m.add(a=1, b=2) == m.add(b=2, a=1) == 3
    assert m.second("x", "y") == m.second(b="y", a="x") == "y"
    assert m.sub3(1, 2, 3) == m.sub3(1, c=3, b=2) == -4
    assert m.sub3(1) == 1 - 10 - 100
    assert m.sub3(1, 2) == 1 - 2 - 100
    assert m.nothing() == 42


def test_binding_errors_name_the_function(m):
    with pytest.raises(TypeError, match=r"add\(\) takes 2 positional arguments but 3 were given"):
        m.add(1, 2, 3)
    with pytest.raises(TypeError, match=r"add\(\)"):
        m.add(1)
    with pytest.raises(TypeError, match=r"nothing\(\) takes 0 positional arguments but 1"):
        m.nothing(1)
    with pytest.raises(TypeError, match=r"add\(\)"):
        m.add(1, 2, c=3)
    with pytest.raises(TypeError, match=r"add\(\) argument 'b'"):
        m.add(1, "2")


def test_returned_view_is_a_view_of_the_positional_argument(m):
    # The returned view's base is found among the bound arguments, which are
    # now the caller's vector on the fast path and the storage on the slow one.
    v = np.arange(5.0)
    for r in (m.same(v), m.same(v=v)):
        assert np.shares_memory(r, v)
        r2 = r.copy()
        assert (r2 == v).all()
