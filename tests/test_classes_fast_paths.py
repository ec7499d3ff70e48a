"""The fast paths of exported classes (issue 10, point 8) give the same
results and errors as the general paths they skip.

`Type(...)` with one constructor and every argument positional skips binding
(templates/pyx/class.hpp, construct_call); an exact `float` argument skips the
conversion call (templates/pyx/detail/cast_scalar.hpp). Keywords, subclasses,
float subclasses, ints and wrong types must still take the general paths.
Uses the session build of tests/data/classes/pyxclasses.cxxpyx.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest
import pyxtypes_build as tb
from conftest import needs_core

pytestmark = needs_core

SOURCE = Path(__file__).resolve().parent / "data" / "classes" / "pyxclasses.cxxpyx"


@pytest.fixture(scope="session")
def m(tmp_path_factory):
    return tb.load(SOURCE, tb.shared_cache_dir(tmp_path_factory), "pyxclasses")


class F(float):
    """A float subclass: not the exact-float fast path."""


def test_positional_construction_sets_every_member(m):
    p = m.Point(1.5, -2.0)
    assert (p.x, p.y) == (1.5, -2.0)
    assert type(p) is m.Point


def test_construction_by_keyword_and_mixed_takes_the_binding_path(m):
    assert (m.Point(x=1.0, y=2.0).x, m.Point(y=2.0, x=1.0).y) == (1.0, 2.0)
    assert m.Point(1.0, y=4.0).y == 4.0
    with pytest.raises(TypeError, match=r"Point\(\) got multiple values for argument 'x'"):
        m.Point(1.0, x=2.0)
    with pytest.raises(TypeError, match=r"Point\(\) got an unexpected keyword argument 'z'"):
        m.Point(1.0, 2.0, z=3.0)


def test_construction_with_the_wrong_count_or_type(m):
    with pytest.raises(TypeError, match=r"Point\(\) takes 2 positional arguments but 3 were given"):
        m.Point(1.0, 2.0, 3.0)
    with pytest.raises(TypeError, match=r"missing required argument 'y'"):
        m.Point(1.0)
    with pytest.raises(TypeError, match=r"Point\(\) argument 'y'.*str"):
        m.Point(1.0, "no")
    with pytest.raises(TypeError, match=r"Tracked\(\) takes 0 positional arguments but 1 was "):
        m.Tracked(1)


def test_conversions_besides_exact_floats(m):
    p = m.Point(3, F(0.25))
    assert (p.x, p.y) == (3.0, 0.25) and type(p.x) is float
    q = m.Point(np.float64(1.25), np.float32(0.5))
    assert (q.x, q.y) == (1.25, 0.5)
    with pytest.raises(OverflowError, match=r"argument 'x'"):
        m.Point(10**400, 1.0)


def test_failed_construction_leaks_no_instance(m):
    def cycle(arg):
        try:
            m.Point(arg, "no")
        except TypeError:
            pass
        m.Point(arg, arg)

    arg = 1.0
    cycle(arg)  # warm up: caches that keep one reference
    refs = sys.getrefcount(m.Point)  # every live instance holds its heap type
    arg_refs = sys.getrefcount(arg)
    for _ in range(1000):
        cycle(arg)
    after = (sys.getrefcount(m.Point), sys.getrefcount(arg))  # outside the rewritten assert
    assert after == (refs, arg_refs)


def test_subclass_construction_runs_the_subclass_init(m):
    class Shifted(m.Point):
        def __init__(self, x, y):
            super().__init__(x + 1, y)

    s = Shifted(1.0, 2.0)
    assert type(s) is Shifted and (s.x, s.y) == (2.0, 2.0)

    class Forgetful(m.Point):
        def __init__(self, x, y):
            pass

    with pytest.raises(TypeError, match="not initialized"):
        _ = Forgetful(1.0, 2.0).x


def test_default_constructor_counts_once(m):
    before = (m.Tracked.alive(), m.Tracked.destroyed())
    t = m.Tracked()
    assert m.Tracked.alive() == before[0] + 1
    del t
    assert (m.Tracked.alive(), m.Tracked.destroyed()) == (before[0], before[1] + 1)


def test_method_float_arguments_fast_and_general(m):
    b = m.BoxF(0.0)
    assert b.set(2.5).get() == 2.5
    assert b.set(F(3.5)).get() == 3.5
    assert b.set(7).get() == 7.0
    assert b.set(np.float64(1.5)).get() == 1.5
    assert b.set(v=4.5).get() == 4.5
    with pytest.raises(TypeError, match=r"argument 'v'.*str"):
        b.set("no")
    assert b.get() == 4.5


def test_exported_type_is_immutable_and_subclasses_are_not(m):
    # Immutable types are what CPython calls through their vectorcall directly.
    with pytest.raises(TypeError, match="immutable type"):
        m.Point.extra = 1
    with pytest.raises(TypeError, match="immutable type"):
        del m.Point.__reduce__

    class Sub(m.Point):
        pass

    Sub.extra = 1
    assert Sub(1.0, 2.0).extra == 1 and not hasattr(m.Point, "extra")
    for _ in range(3):  # past the interpreter's specialisation warm-up
        assert type(m.Point(1.0, 2.0)) is m.Point and type(Sub(1.0, 2.0)) is Sub
