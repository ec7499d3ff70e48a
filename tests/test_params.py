"""Issue 9 point 4: std::tuple/std::pair parameters from any sequence (tuple
defaults), std::vector from any sequence and returned as a list,
std::optional of them, Python callables as pyx::function, and views of the
inputs returned as NumPy views."""

from __future__ import annotations

import inspect
import sys
from pathlib import Path

import numpy as np
import pytest
import pyxtypes_build as tb
from conftest import needs_core

pytestmark = needs_core

SOURCE = Path(__file__).resolve().parent / "data" / "runtime" / "params.cxxpyx"


@pytest.fixture(scope="module")
def m(tmp_path_factory):
    return tb.load(SOURCE, tb.shared_cache_dir(tmp_path_factory), "pyx_params")


def raises(exc, fn, *args, **kwargs):
    with pytest.raises(exc) as info:
        fn(*args, **kwargs)
    return str(info.value)


def test_tuples_and_pairs_from_any_sequence(m):
    v = np.arange(6.0)
    assert m.masked_sum(v) == 0 + 2 + 3 + 5
    for mask in ((1, 1, 1), [1, 1, 1], np.array([1, 1, 1]), range(1, 2) and (1, 1, 1)):
        assert m.masked_sum(v, mask) == 15
    assert m.masked_sum(v, mask=(0, 1, 0)) == 1 + 4
    assert str(inspect.signature(m.masked_sum)) == "(v, mask=(1, 0, 1))"
    assert m.swap_pair(("x", 2.5)) == (2.5, "x")
    assert m.swap_pair(["y", 1]) == (1.0, "y")
    assert m.shape2() == (4, 3) and m.shape2((5, 6)) == (6, 5)
    assert str(inspect.signature(m.shape2)) == "(shape=(3, 4))"


def test_tuple_errors_name_function_parameter_and_item(m):
    v = np.ones(3)
    msg = raises(ValueError, m.masked_sum, v, (1, 0))
    assert (
        msg
        == "masked_sum() argument 'mask': expected a sequence of length 3, got tuple of length 2"
    )
    msg = raises(TypeError, m.masked_sum, v, 5)
    assert msg == "masked_sum() argument 'mask': expected a sequence of length 3, got int"
    assert raises(TypeError, m.masked_sum, v, "abc").endswith("got str")
    msg = raises(TypeError, m.masked_sum, v, (1, "0", 1))
    assert msg == "masked_sum() argument 'mask[1]': expected int, got str"
    msg = raises(OverflowError, m.masked_sum, v, (1, 0, 2**40))
    assert msg.startswith(
        "masked_sum() argument 'mask[2]': 1099511627776 is out of range for int32"
    )
    assert raises(TypeError, m.swap_pair, (1, 2)).startswith(
        "swap_pair() argument 'p[0]': expected str"
    )


def test_vectors_from_any_sequence_returned_as_lists(m):
    assert m.cumsum([1, 2, 3.5]) == [1.0, 3.0, 6.5]
    assert m.cumsum((1.0,)) == [1.0] and m.cumsum([]) == []
    assert m.cumsum(np.arange(4.0)) == [0.0, 1.0, 3.0, 6.0]
    assert m.cumsum(range(3)) == [0.0, 1.0, 3.0]
    assert type(m.cumsum([1])) is list
    assert m.words(["a", "b", "c"]) == ["a", "b", "c"]
    assert m.words(("a", "b", "c"), keep=[2, 0]) == ["c", "a"]
    assert m.nested([(1, 2.0), [3, 4]]) == 2
    assert (
        raises(TypeError, m.cumsum, [1, "x"])
        == "cumsum() argument 'xs[1]': expected float, got str"
    )
    assert raises(TypeError, m.cumsum, 3) == "cumsum() argument 'xs': expected a sequence, got int"
    assert raises(TypeError, m.cumsum, {1.0: 2}).endswith("got dict")
    msg = raises(ValueError, m.nested, [(1, 2.0), (3,)])
    assert (
        msg
        == "nested() argument 'pairs[1]': expected a sequence of length 2, got tuple of length 1"
    )
    with pytest.raises(IndexError):
        m.words(["a"], keep=[3])


def test_optional_of_compound_types(m):
    assert m.maybe_pair(None) is None
    assert m.maybe_pair((1, 2)) == (2, 1)
    assert raises(TypeError, m.maybe_pair, 3).startswith("maybe_pair() argument 'p'")


def test_callables(m):
    v = np.arange(4.0)
    assert m.apply_sum(v, lambda x, i: x * i) == 0 + 1 + 4 + 9
    assert m.apply_sum_nogil(v, lambda x, i: x + i) == 12
    calls = []
    assert m.call_void(lambda: calls.append(1), 3) == 3 and calls == [1, 1, 1]

    def boom(x, i):
        if i == 2:
            raise KeyError("from the callback")
        return x

    for f in (m.apply_sum, m.apply_sum_nogil):
        with pytest.raises(KeyError, match="from the callback"):
            f(v, boom)
    msg = raises(TypeError, m.apply_sum, v, lambda x, i: "no")
    assert msg == "apply_sum() argument 'f': the callable returned str, expected float"
    assert (
        raises(TypeError, m.apply_sum, v, 3)
        == "apply_sum() argument 'f': expected a callable, got int"
    )
    with pytest.raises(TypeError):
        m.apply_sum(v, lambda x: x)  # wrong arity: Python's own TypeError


def test_returned_views_are_numpy_views_of_the_input(m):
    a = np.arange(20.0).reshape(4, 5)
    inner = m.interior(a)
    assert inner.base is not None and np.shares_memory(inner, a)
    assert (inner == a[1:-1, 1:-1]).all() and inner.flags.writeable
    inner[0, 0] = -1
    assert a[1, 1] == -1
    b = np.arange(6.0).reshape(2, 3)
    row = m.last_row(a, b)
    assert (row == b[-1]).all() and np.shares_memory(row, b) and not row.flags.writeable
    del b
    assert row.tolist() == [3.0, 4.0, 5.0]  # the base keeps the input alive
    msg = raises(ValueError, m.not_an_input, 2)
    assert msg.startswith("the returned view does not look into an array argument")


def test_no_reference_leaks(m):
    v = np.ones(3)
    mask = (1, 0, 1)
    items = [1.0, 2.0]

    def f(x, i):
        return x

    before = [sys.getrefcount(o) for o in (v, mask, items, f)]
    for _ in range(2000):
        m.masked_sum(v, mask)
        m.cumsum(items)
        m.apply_sum(v, f)
        m.interior(np.ones((3, 3)))
        try:
            m.masked_sum(v, (1, "x", 1))
        except TypeError:
            pass
    assert [sys.getrefcount(o) for o in (v, mask, items, f)] == before
