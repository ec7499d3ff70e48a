"""Friend operators of exported classes (issue 10, point 4): the reflected
number operators (`1 + v`) and `operator<<` as `__repr__`/`__str__`.

The classes live in tests/data/classes/pyxops.cxxpyx.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import pyxtypes_build as tb
from conftest import needs_core

pytestmark = needs_core

SOURCE = Path(__file__).resolve().parent / "data" / "classes" / "pyxops.cxxpyx"


@pytest.fixture(scope="session")
def cache(tmp_path_factory):
    return tb.shared_cache_dir(tmp_path_factory)


@pytest.fixture(scope="session")
def m(cache):
    return tb.load(SOURCE, cache, "pyxops")


def test_reflected_number_operators(m):
    a = m.Money(150)
    assert 5 + a == m.Money(155) and 200 - a == m.Money(50) and 3 * a == m.Money(450)
    assert 300 / a == 2.0
    assert a + m.Money(1) == m.Money(151) and a * 2 == m.Money(300)  # forward forms still work
    assert a - 50 == m.Money(100)  # a forward friend operator
    assert a / 4 == m.Money(37)  # a friend declared in a private section


def test_reflected_only_and_foreign_operands_are_not_implemented(m):
    s = m.Scale()
    assert (2 * s).f == 2.0
    with pytest.raises(TypeError, match="unsupported operand"):
        s * 2
    a = m.Money(1)
    for bad in (
        lambda: a + "x",
        lambda: None * a,
        lambda: "x" / a,
        lambda: a - 1.5,
    ):
        with pytest.raises(TypeError, match="unsupported operand"):
            bad()
    with pytest.raises(TypeError, match="can only concatenate str"):  # str's own message
        "x" + a
    assert not hasattr(m, "audit") and not hasattr(m.Money, "audit")


def test_stream_operator_is_repr_or_str(m):
    assert repr(m.Money(105)) == "$1.05" and str(m.Money(2000)) == "$20.00"
    t = m.Tag()
    assert repr(t) == "Tag(t)" and str(t) == "#t"


def test_stub_has_reflected_operators_and_repr(cache):
    so = tb.build(SOURCE, cache)
    stub = next(Path(so).parent.glob("*.pyi")).read_text()
    for line in [
        '    def __radd__(self, c: int) -> "Money": ...',
        '    def __rsub__(self, c: int) -> "Money": ...',
        '    def __rmul__(self, k: int) -> "Money": ...',
        "    def __rtruediv__(self, x: float) -> float: ...",
        '    def __sub__(self, c: int) -> "Money": ...',
        '    def __truediv__(self, d: int) -> "Money": ...',
        "    def __repr__(self) -> str: ...",
        "    def __str__(self) -> str: ...",
        '    def __rmul__(self, k: float) -> "Scale": ...',
    ]:
        assert line in stub, line
    money = stub[stub.index("class Money:") : stub.index("class Tag:")]
    assert "__str__" not in money and "audit" not in stub
