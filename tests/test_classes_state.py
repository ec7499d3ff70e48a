"""Pickling exported classes through getstate()/setstate(...) (issue 10, point 6).

The classes live in tests/data/classes/pyxstate.cxxpyx.
"""

from __future__ import annotations

import copy
import pickle
from pathlib import Path

import pytest
import pyxtypes_build as tb
from conftest import needs_core

pytestmark = needs_core

SOURCE = Path(__file__).resolve().parent / "data" / "classes" / "pyxstate.cxxpyx"


@pytest.fixture(scope="session")
def m(tmp_path_factory):
    return tb.load(SOURCE, tb.shared_cache_dir(tmp_path_factory), "pyxstate")


def _counter(m):
    c = m.Counter("hits")
    c.add(5)
    c.add(7)
    return c


@pytest.mark.parametrize("protocol", range(pickle.HIGHEST_PROTOCOL + 1))
def test_member_setstate_round_trips_every_protocol(m, protocol):
    c = pickle.loads(pickle.dumps(_counter(m), protocol=protocol))
    assert type(c) is m.Counter
    assert (c.label(), c.total(), c.calls()) == ("hits", 12, 2)


@pytest.mark.parametrize("protocol", range(pickle.HIGHEST_PROTOCOL + 1))
def test_static_setstate_round_trips_without_a_default_constructor(m, protocol):
    h = pickle.loads(pickle.dumps(m.Handle(3, 7), protocol=protocol))
    assert type(h) is m.Handle and h.id() == 21
    t = pickle.loads(pickle.dumps(m.Token.make(9), protocol=protocol))
    assert type(t) is m.Token and t.value() == 9


def test_copy_and_deepcopy(m):
    c = _counter(m)
    for twin in (copy.copy(c), copy.deepcopy(c), copy.deepcopy([c])[0]):
        assert twin is not c and (twin.label(), twin.total(), twin.calls()) == ("hits", 12, 2)
        twin.add(1)
        assert c.total() == 12
    assert copy.copy(m.Handle(2, 2)).id() == 4 and copy.deepcopy(m.Token.make(4)).value() == 4


def test_reduce_is_newobj_and_the_state(m):
    import copyreg

    fn, args, state = _counter(m).__reduce__()
    assert fn is copyreg.__newobj__ and args == (m.Counter,) and state == ("hits", 12, 2)
    assert m.Handle(1, 5).__reduce__()[2] == (5,)  # a non-tuple state becomes a 1-tuple


def test_setstate_replaces_the_value_of_a_live_object(m):
    c = _counter(m)
    c.__setstate__(("other", 1, 1))
    assert (c.label(), c.total(), c.calls()) == ("other", 1, 1)
    h = m.Handle(1, 1)
    h.__setstate__((42,))
    assert h.id() == 42


def test_bad_state_is_an_error_naming_the_type(m):
    c = m.Counter()
    with pytest.raises(
        TypeError, match=r"pyxstate\.Counter\.__setstate__\(\): the state must be a tuple.*got int"
    ):
        c.__setstate__(5)
    with pytest.raises(TypeError, match=r"Counter\.setstate\(\) argument 'total'"):
        c.__setstate__(("a", "x", 1))
    with pytest.raises(TypeError, match=r"Counter\.setstate\(\)"):
        c.__setstate__(("a",))
    with pytest.raises(ValueError, match="calls must not be negative"):
        c.__setstate__(("a", 1, -1))
    with pytest.raises(TypeError, match=r"Handle\.setstate\(\) argument 'id'"):
        m.Handle(1, 1).__setstate__(("x",))
    # A corrupted pickle fails the same way, naming the type.
    bad = pickle.dumps(_counter(m), protocol=2).replace(b"hits", b"hitz")
    assert pickle.loads(bad).label() == "hitz"
    with pytest.raises(TypeError, match=r"Handle\.setstate\(\)"):
        pickle.loads(pickle.dumps(m.Handle(1, 1), protocol=2).replace(b"K\x01", b"N"))


def test_unpickling_a_class_without_constructor_does_not_open_construction(m):
    with pytest.raises(TypeError, match="cannot create 'pyxstate.Token' instances"):
        m.Token()
    blank = m.Token.__new__(m.Token)
    with pytest.raises(TypeError, match="not initialized"):
        blank.value()
    blank.__setstate__((3,))
    assert blank.value() == 3
