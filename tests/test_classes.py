"""C++ classes as Python types (issue 10), with real builds.

The classes live in tests/data/classes/pyxclasses.cxxpyx (one build per
session); the example in examples/classes/running_stats.cxxpyx is built too.
"""

from __future__ import annotations

import gc
import inspect
import pickle
import sys
import threading
import weakref
from pathlib import Path

import numpy as np
import pytest
import pyxtypes_build as tb
from conftest import REPO, needs_core, run_python

pytestmark = needs_core

SOURCE = Path(__file__).resolve().parent / "data" / "classes" / "pyxclasses.cxxpyx"
EXAMPLE = REPO / "examples" / "classes" / "running_stats.cxxpyx"


@pytest.fixture(scope="session")
def classes_cache(tmp_path_factory) -> Path:
    return tb.shared_cache_dir(tmp_path_factory)


@pytest.fixture(scope="session")
def m(classes_cache):
    return tb.load(SOURCE, classes_cache, "pyxclasses")


# ---------------------------------------------------------------- marking


def test_class_docs_members_and_namespaces(m):
    assert m.Vec.__doc__.endswith("A 2-D vector.")
    assert "Euclidean norm." in m.Vec.norm.__doc__
    assert m.Vec.x.__doc__ == "x coordinate"
    assert m.Vec.angle.__doc__ == "The angle to the x axis, in radians."
    assert m.Vec.__module__ == "pyxclasses"
    assert not hasattr(m.Vec(), "secret_")


def test_class_template_instantiations_are_separate_types(m):
    assert m.BoxF(2.5).get() == 2.5
    assert m.BoxI(3).get() == 3 and type(m.BoxI(3).get()) is int
    assert m.BoxF().value == 0.0
    with pytest.raises(TypeError, match=r"no constructor matches the arguments \(float\)"):
        m.BoxI(1.5)
    assert m.BoxF is not m.BoxI


# ---------------------------------------------------------------- construction


def test_constructors_in_declaration_order_defaults_and_keywords(m):
    assert (m.Vec().x, m.Vec().y) == (0.0, 0.0)
    v = m.Vec(3)
    assert (v.x, v.y) == (3.0, 0.0)
    assert (m.Vec(x=1, y=5).x, m.Vec(y=5, x=1).y) == (1.0, 5.0)
    assert m.Vec(np.array([1.0, 2.0])).y == 2.0


def test_no_matching_constructor_lists_the_signatures(m):
    with pytest.raises(TypeError) as info:
        m.Vec("a")
    text = str(info.value)
    assert text.startswith("Vec(): no constructor matches the arguments (str); accepted:")
    assert "Vec(x: float, y: float)" in text and "Vec(v: ndarray[float64, 1-D])" in text


def test_single_constructor_errors_name_the_parameter(m):
    with pytest.raises(TypeError, match=r"Point\(\) argument 'y'"):
        m.Point(1.0, "no")
    with pytest.raises(TypeError, match="missing required argument 'y'"):
        m.Point(1.0)


def test_no_public_constructor_only_cpp_makes_it(m):
    with pytest.raises(TypeError, match="cannot create 'pyxclasses.Token' instances"):
        m.Token()
    assert m.issue(5).id() == 5
    assert m.Token.make(3).id() == 3


def test_init_again_reconstructs_and_destroys_once(m):
    before = m.Tracked.destroyed()
    t = m.Tracked()
    t.__init__()
    assert m.Tracked.destroyed() == before + 1
    del t
    assert m.Tracked.destroyed() == before + 2


# ---------------------------------------------------------------- members


def test_methods_static_fused_and_chaining(m):
    v = m.Vec(3, 4)
    assert v.norm() == 5.0
    assert v.scale(2) is v and v.x == 6.0
    assert v.scale(0.5).scale(1) is v
    assert v.times(2) == 6 and type(v.times(2)) is int
    assert v.times(2.5) == 7.5
    assert m.Vec.unit(1).y == 1.0
    with pytest.raises(IndexError, match="axis must be 0 or 1"):
        m.Vec.unit(3)
    with pytest.raises(TypeError, match=r"Vec.norm\(\) takes 0 positional arguments"):
        v.norm(1)


def test_attributes_read_write_and_const_is_read_only(m):
    v = m.Vec(1, 2)
    v.x = 7
    assert v.x == 7.0
    with pytest.raises(TypeError, match=r"Vec.x\(\) argument 'value': expected float"):
        v.x = "a"
    assert v.dim == 2
    with pytest.raises(AttributeError, match="not writable"):
        v.dim = 3
    with pytest.raises(AttributeError, match="cannot delete"):
        del v.x


def test_properties_with_and_without_setter(m):
    v = m.Vec(3, 4)
    assert v.length == 5.0
    v.length = 10
    assert (v.x, v.y) == (6.0, 8.0)
    assert v.angle == pytest.approx(np.arctan2(8, 6))
    with pytest.raises(AttributeError):
        v.angle = 1.0


def test_array_and_object_members_keep_their_objects_alive(m):
    h = m.Holder()
    a = np.arange(3.0)
    h.values = a
    h.item = [1, 2]
    del a
    gc.collect()
    assert h.values.tolist() == [0.0, 1.0, 2.0]
    assert h.item == [1, 2]
    with pytest.raises(TypeError):
        h.values = np.arange(3)  # int64, not float64


def test_nogil_method_runs_while_other_threads_call(m):
    b = m.Buffer(1.0)
    results = []

    def work():
        for _ in range(20):
            results.append(b.spin(200_000))
            results.append(b[1])

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert set(results) == {200_000.0, 1.0}


# ---------------------------------------------------------------- protocols


def test_number_and_comparison_protocols(m):
    a, b = m.Vec(1, 2), m.Vec(3, 4)
    assert (a + b) == m.Vec(4, 6) and (b - a) == m.Vec(2, 2)
    assert (a * 2) == m.Vec(2, 4) and (b / 2) == m.Vec(1.5, 2)
    assert (-a) == m.Vec(-1, -2)
    assert a != b and not (a != m.Vec(1, 2))
    assert a < b and not (b < a)
    c = a
    a += b
    assert a is c and a == m.Vec(4, 6)
    a *= 0.5
    assert a is c and a == m.Vec(2, 3)


def test_foreign_operands_are_not_implemented(m):
    v = m.Vec(1, 2)
    with pytest.raises(TypeError, match="unsupported operand"):
        v + 1
    with pytest.raises(TypeError, match="unsupported operand"):
        1 + v
    with pytest.raises(TypeError):
        assert v < 3
    assert (v == "x") is False


def test_call_item_len_iter_repr_str_hash(m):
    b = m.Buffer(1.5)
    b[2] = 7
    assert b[2] == 7.0 and len(b) == 4 and list(b) == [1.5, 1.5, 7.0, 1.5]
    with pytest.raises(IndexError, match="Buffer index out of range"):
        b[9]
    with pytest.raises(TypeError, match="expected float"):
        b[0] = "x"
    assert b(2) == 3.0 and b(2, shift=1) == 4.0
    v = m.Vec(1, 2)
    assert repr(v) == "Vec(1.000000, 2.000000)" and str(v) == "<1.000000 2.000000>"
    assert hash(v) == 1002 and v[1] == 2.0
    assert {v: 1}[m.Vec(1, 2)] == 1


# ---------------------------------------------------------------- crossing the boundary


def test_class_parameters_and_returns(m):
    v = m.Vec(1, 2)
    assert m.dot(v, m.Vec(3, 4)) == 11.0
    m.grow(v)
    assert v.x == 2.0  # T& mutates the Python object's instance
    w = m.twice(v)
    assert w == m.Vec(4, 4) and v == m.Vec(2, 2)  # by value: a copy
    assert m.x_or(None) == -1.0 and m.x_or(v) == 2.0
    assert m.x_opt(None) == -2.0 and m.x_opt(v) == 2.0


def test_wrong_object_names_both_types(m):
    with pytest.raises(
        TypeError, match="dot\\(\\) argument 'a': expected Vec, got pyxclasses.Point"
    ):
        m.dot(m.Point(1, 2), m.Vec())
    with pytest.raises(TypeError, match="expected Vec, got NoneType|expected Vec, got None"):
        m.dot(None, m.Vec())
    with pytest.raises(TypeError, match="expected Vec or None, got int"):
        m.x_or(3)


# ---------------------------------------------------------------- lifetime


def test_destructor_runs_exactly_once(m):
    alive, destroyed = m.Tracked.alive(), m.Tracked.destroyed()
    objs = [m.Tracked() for _ in range(10)]
    assert m.Tracked.alive() == alive + 10
    del objs
    assert m.Tracked.alive() == alive and m.Tracked.destroyed() == destroyed + 10


def test_cycle_through_a_member_is_collected(m):
    gc.collect()
    h = m.Holder()
    h.item = h
    r = weakref.ref(h)
    del h
    gc.collect()
    assert r() is None


def test_weakref_pickle_and_refcounts(m):
    p = m.Point(1.5, -2)
    r = weakref.ref(p)
    assert r() is p
    q = pickle.loads(pickle.dumps(p))
    assert (q.x, q.y) == (1.5, -2.0) and type(q) is m.Point
    v = m.Vec(1, 2)
    before = sys.getrefcount(v)
    for _ in range(100):
        v.norm()
        v.scale(1)
        m.dot(v, v)
        assert v.x == 1.0
    assert sys.getrefcount(v) == before


def test_copy_and_equality_without_hash_is_unhashable(m):
    import copy

    p = m.Point(1, 2)
    q = copy.copy(p)
    assert q == p and q is not p
    q.x = 5
    assert p.x == 1.0
    with pytest.raises(TypeError, match="unhashable"):
        hash(p)


def test_help_renders(m):
    import pydoc

    text = pydoc.render_doc(m.Vec, renderer=pydoc.plaintext)
    assert "A 2-D vector." in text and "norm(self, /)" in text and "Euclidean norm." in text
    assert "length" in text and "x coordinate" in text


def test_python_subclass_overrides_seen_by_python_not_cpp(m):
    class Sub(m.Tracked):
        def who(self):
            return "py"

    s = Sub()
    assert s.who() == "py" and s.ask() == "cxx"
    s.extra = 1  # subclasses get a __dict__
    assert isinstance(s, m.Tracked) and Sub.alive() >= 1

    class NoInit(m.Vec):
        def __init__(self):
            pass

    with pytest.raises(TypeError, match="not initialized"):
        NoInit().norm()


# ---------------------------------------------------------------- stubs and help


def test_signatures_and_help(m):
    assert str(inspect.signature(m.Vec)) == "(x, y=0)"
    assert str(inspect.signature(m.Vec.scale)) == "(self, /, f)"
    assert str(inspect.signature(m.Vec.unit)) == "(axis)"
    assert str(inspect.signature(m.Point)) == "(x, y)"
    text = m.Vec.__doc__
    assert "Vec(x: float, y: float = 0)" in text and "Vec(v: numpy.ndarray)" in text


def test_stub_has_classes_methods_properties_operators(classes_cache):
    import cxximport

    so = tb.build(SOURCE, classes_cache)
    stub = next(Path(so).parent.glob("*.pyi")).read_text()
    for line in [
        "class Vec:",
        "    def __init__(self, x: float, y: float = ...) -> None: ...",
        "    x: float",
        "    def dim(self) -> int: ...",
        "    @length.setter",
        "    def norm(self) -> float:",
        '    def unit(axis: int) -> "Vec": ...',
        '    def __add__(self, o: "Vec") -> "Vec": ...',
        '    def __eq__(self, o: "Vec") -> bool: ...',
        "    def __getitem__(self, i: int) -> float: ...",
        "    def __len__(self) -> int: ...",
        'def dot(a: "Vec", b: "Vec") -> float:',
        "class BoxI:",
        "    def get(self) -> int:",
    ]:
        assert line in stub, line
    assert cxximport  # the package that wrote it


# ---------------------------------------------------------------- example


def test_running_stats_example(classes_cache):
    r = tb.load(EXAMPLE, classes_cache, "running_stats")
    data = np.random.default_rng(0).normal(size=1000)
    a = r.RunningStats64(data[:400])
    b = r.RunningStats64()
    b.add(data[400:])
    both = a + b
    assert len(both) == 1000
    assert both.mean == pytest.approx(data.mean()) and both.variance == pytest.approx(data.var())
    assert both.min == data.min() and both.max == data.max()
    a += b
    assert a.mean == pytest.approx(data.mean())
    assert r.RunningStats32(np.ones(3, np.float32)).mean == 1.0
    with pytest.raises(TypeError, match="no constructor matches"):
        r.RunningStats32(np.ones(3))  # float64 into the float32 accumulator
    assert repr(r.RunningStats64()).startswith("RunningStats(n=0")


# ---------------------------------------------------------------- leaks

LEAK_BODY = """
import json, os
import numpy as np
page = os.sysconf("SC_PAGE_SIZE")
def rss_mb():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * page / 2**20
v = m.Vec(1, 2)
b = m.Buffer(1.0)
def calls(n):
    for _ in range(n):
        v.norm(); v.scale(1.0); v.x = 1.0; v.x; b[1]; v + v
def cycles(n):
    for _ in range(n):
        m.Vec(1.0, 2.0); m.Point(1, 2); m.Tracked()
calls(50_000); cycles(10_000)
r0 = rss_mb()
calls(1_000_000 // 6)
cycles(100_000)
print(json.dumps({"growth": rss_mb() - r0, "alive": m.Tracked.alive()}))
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc/self/statm")
def test_no_leak_over_a_million_method_calls_and_100k_objects(m, classes_cache):
    code = tb.loader_code(classes_cache, "pyxclasses", SOURCE) + LEAK_BODY
    proc = run_python(code)
    assert proc.returncode == 0, proc.stderr
    assert proc.result["alive"] == 0
    assert proc.result["growth"] < 4.0, proc.result


# ---------------------------------------------------------------- bad declarations

BAD_CLASSES = {
    "PYX_EXPORT struct A final { int x; };\n": "1:19: exported class 'A' is final",
    "PYX_EXPORT struct A;\n": "1:19: PYX_EXPORT on class 'A' needs its definition",
    "PYX_EXPORT using B = Nope<double>;\n": (
        "1:1: PYX_EXPORT using 'B': 'Nope' is not a class template"
    ),
    "PYX_EXPORT struct A { PYX_PROPERTY void set_v(int v) {} };\n": (
        "setter 'set_v' of 'A' has no getter 'v'"
    ),
    "PYX_EXPORT struct A { int f(int a) { return a; } int f(double b) { return 1; } };\n": (
        "class 'A' has overloaded public method 'f'"
    ),
    "struct O { PYX_EXPORT struct A { int x; }; };\n": (
        "1:12: PYX_EXPORT on a class must be at namespace scope"
    ),
    "PYX_NOGIL PYX_EXPORT struct A { int x; };\n": "PYX_NOGIL applies to functions and methods",
    "PYX_EXPORT struct A { PYX_PROPERTY int v(int k) const { return k; } };\n": (
        "PYX_PROPERTY getter 'v' must take no parameters"
    ),
    "PYX_EXPORT struct A { int x; };\nPYX_EXPORT int A() { return 1; }\n": (
        "2:16: duplicate export 'A'"
    ),
    "PYX_EXPORT struct A { int x; } a;\n": (
        "expected ';' after the definition of exported class 'A'"
    ),
}


@pytest.mark.parametrize("source", sorted(BAD_CLASSES))
def test_bad_class_declarations_name_file_and_line(tmp_path, source):
    from cxximport import _core

    path = tmp_path / "bad.cxxpyx"
    path.write_text(source)
    with pytest.raises(_core.ScanError) as info:
        _core.scan(str(path))
    assert str(info.value).startswith(f"{path}:")
    assert BAD_CLASSES[source] in str(info.value)


def test_scan_reports_public_members_only(tmp_path):
    from cxximport import _core

    path = tmp_path / "ok.cxxpyx"
    path.write_text(
        "namespace n {\n"
        "PYX_EXPORT class C {\n"
        "    int p;\n"
        "    void hidden();\n"
        "  public:\n"
        "    C(int a, int b = 2) : p(a), q{b} {}\n"
        "    C(const C& o) = default;\n"
        "    int get() const { return p; }\n"
        "    static int s();\n"
        "    double d = 1, e;\n"
        "    bool operator==(const C& o) const = default;\n"
        "    PYX_PROPERTY int v() const { return p; }\n"
        "  private:\n"
        "    int q;\n"
        "};\n"
        "}\n"
    )
    (c,) = _core.scan(str(path))["classes"]
    assert c["qualified_name"] == "n::C" and c["constructors"] == 1
    assert c["methods"] == ["get", "v"] and c["statics"] == ["s"]
    assert c["fields"] == ["d", "e"] and c["properties"] == ["v"] and c["operators"] == ["=="]
