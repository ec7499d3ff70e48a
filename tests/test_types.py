"""Every parameter and return type of docs/language.md, with real builds.

The functions live in tests/data/types/pyxtypes.cxxpyx (one build per
session, shared with test_bad_inputs.py and test_leaks.py) and
tests/data/types/bounds.cxxpyx (checked indexing).
"""

from __future__ import annotations

import inspect
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest
import pyxtypes_build as tb
from conftest import needs_core, run_python

pytestmark = needs_core


@pytest.fixture(scope="session")
def types_cache(tmp_path_factory) -> Path:
    return tb.shared_cache_dir(tmp_path_factory)


@pytest.fixture(scope="session")
def m(types_cache):
    return tb.load(tb.TYPES_SOURCE, types_cache, "pyxtypes")


def raises(exc, fn, *args, match=None, **kwargs):
    with pytest.raises(exc, match=match) as info:
        fn(*args, **kwargs)
    return str(info.value)


# ---------------------------------------------------------------- integers

INTS = tb.INT_RANGES


@pytest.mark.parametrize("name", sorted(INTS))
def test_integer_round_trips_its_whole_range(m, name):
    f = getattr(m, "id_" + name)
    lo, hi = INTS[name]
    for v in (lo, hi, 0, 1, (lo + hi) // 2):
        assert f(v) == v and type(f(v)) is int
    assert f(x=hi) == hi
    assert f(np.int8(7)) == 7
    if hi >= 200:
        assert f(np.uint8(200)) == 200


@pytest.mark.parametrize("name", sorted(INTS))
def test_integer_out_of_range_is_overflow_error_naming_function_and_parameter(m, name):
    f = getattr(m, "id_" + name)
    lo, hi = INTS[name]
    for v in (lo - 1, hi + 1, 2**200, -(2**200)):
        msg = raises(OverflowError, f, v)
        assert msg.startswith(f"id_{name}() argument 'x': {v} is out of range for ")
        assert f"({lo} to {hi})" in msg


@pytest.mark.parametrize("name", sorted(INTS))
@pytest.mark.parametrize("bad", [1.0, 2.5, np.float64(1.0), np.float32(1.0), "1", None, 1j, [1]])
def test_integer_refuses_non_integers_with_type_error(m, name, bad):
    msg = raises(TypeError, getattr(m, "id_" + name), bad)
    assert msg.startswith(f"id_{name}() argument 'x': expected int, got ")
    assert msg.endswith("None" if bad is None else type(bad).__name__)


def test_integer_accepts_index_objects_and_bools(m):
    class Index:
        def __index__(self):
            return 42

    assert m.id_int(Index()) == 42
    assert m.id_int(True) == 1  # bool is an int subclass, as in Python
    assert m.id_uint64(np.uint64(2**64 - 1)) == 2**64 - 1
    assert m.id_const_int(5) == 5


# ---------------------------------------------------------------- bool, float, complex


def test_bool_takes_only_bools(m):
    assert m.id_bool(True) is True and m.id_bool(False) is False
    assert m.id_bool(np.bool_(True)) is True
    for bad in (1, 0, None, "", 1.0, []):
        msg = raises(TypeError, m.id_bool, bad)
        assert msg.startswith("id_bool() argument 'x': expected bool, got ")


def test_floats(m):
    assert m.id_double(1.5) == 1.5 and m.id_double(3) == 3.0 and type(m.id_double(3)) is float
    assert m.id_double(np.float32(2.5)) == 2.5
    assert m.id_double(10**300) == 1e300
    assert np.isnan(m.id_double(float("nan"))) and m.id_double(float("-inf")) == float("-inf")
    assert m.id_float(0.1) == float(np.float32(0.1))
    assert m.id_float(float("inf")) == float("inf")
    msg = raises(OverflowError, m.id_float, 1e300)
    assert msg == "id_float() argument 'x': 1e+300 is out of range for float32"
    msg = raises(OverflowError, m.id_double, 10**400)
    assert msg == "id_double() argument 'x': int too large to convert to float"
    for bad in ("1.0", b"1", None, 1j, np.complex64(1), [1.0], np.zeros(1)):
        msg = raises(TypeError, m.id_double, bad)
        assert msg.startswith("id_double() argument 'x': expected float, got ")


def test_complex(m):
    assert m.id_complex128(1 + 2j) == 1 + 2j
    assert m.id_complex128(3) == 3 + 0j and m.id_complex128(0.5) == 0.5
    assert m.id_complex64(np.complex64(1 - 1j)) == 1 - 1j
    assert m.id_complex64(0.1 + 0j) == complex(np.complex64(0.1))
    for bad in ("1", None, b"", [1j]):
        msg = raises(TypeError, m.id_complex128, bad)
        assert msg.startswith("id_complex128() argument 'x': expected complex, got ")


# ---------------------------------------------------------------- strings


def test_strings_are_utf8_str(m):
    for s in ("", "plain", "héllo wörld", "日本語", "a\0b", "🎉" * 100):
        assert m.id_string(s) == s and m.id_string_ref(s) == s
        assert m.len_view(s) == len(s.encode())
    assert m.concat("a", "β", "c") == "aβc"
    assert m.c_length("日本") == 6 and m.c_text(False) == "c text" and m.c_text(True) is None
    assert m.static_text() == "static text"


def test_bytes_are_refused(m):
    msg = raises(TypeError, m.id_string, b"abc")
    assert (
        msg == "id_string() argument 's': expected str, got bytes"
        " (decode it to str first, e.g. b.decode())"
    )
    raises(TypeError, m.len_view, bytearray(b"x"), match="len_view\\(\\) argument 's'")
    raises(
        TypeError,
        m.id_string_ref,
        3,
        match="id_string_ref\\(\\) argument 's': expected str, got int",
    )


def test_lone_surrogate_is_value_error(m):
    msg = raises(ValueError, m.id_string, "\udc80")
    assert msg.startswith("id_string() argument 's': the str cannot be encoded as UTF-8")


# ---------------------------------------------------------------- optional, tuple, void, object


def test_optional(m):
    assert m.opt_int(None) is None and m.opt_int(3) == 3
    assert m.opt_double(None) is None and m.opt_double(2) == 2.0
    assert m.opt_string(None) is None and m.opt_string("x") == "x"
    assert m.opt_view_sum(None) == -1.0 and m.opt_view_sum(np.arange(4.0)) == 6.0
    a = np.arange(3.0)
    assert m.opt_array(None) is None and m.opt_array(a) is a
    assert m.maybe_range(-1) is None and m.maybe_range(3).tolist() == [0.0, 1.0, 2.0]
    raises(TypeError, m.opt_int, "x", match="opt_int\\(\\) argument 'x': expected int, got str")
    raises(TypeError, m.opt_view_sum, np.arange(3), match="opt_view_sum\\(\\) argument 'v'")


def test_tuple_returns(m):
    assert m.divmod_(7, 2) == (3, 1)
    r = m.mixed_tuple(3)
    assert r[:6] == (3, 1.5, "xxx", True, None, 3 - 3j)
    assert r[6].dtype == np.int32 and r[6].tolist() == [0, 0, 0]
    assert m.empty_tuple() == ()


def test_void_returns_none(m):
    assert m.nothing(1) is None


def test_object_is_passed_through(m):
    o = object()
    before = sys.getrefcount(o)
    for _ in range(1000):
        assert m.id_object(o) is o
    assert sys.getrefcount(o) == before
    assert m.call_object(len, [1, 2]) == 2
    assert m.get_attr(3, "real") == 3
    assert m.repr_of({1: 2}) == "{1: 2}"
    assert m.null_object() is None and m.none_object() is None
    # A Python exception raised inside becomes that exception.
    raises(ValueError, m.call_object, int, "x", match="invalid literal")
    raises(AttributeError, m.get_attr, 1, "nope")


# ---------------------------------------------------------------- views and arrays

DTYPES = [
    np.bool_,
    np.int8,
    np.int16,
    np.int32,
    np.int64,
    np.uint8,
    np.uint16,
    np.uint32,
    np.uint64,
    np.float32,
    np.float64,
    np.complex64,
    np.complex128,
]


def sample(dtype, n=6):
    return (
        (np.arange(n) % 2 == 1).astype(dtype) if dtype is np.bool_ else np.arange(n).astype(dtype)
    )


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: np.dtype(d).name)
def test_every_element_type_in_views_and_arrays(m, dtype):
    a = sample(dtype)
    # const strided view, negative strides included
    for v in (a, a[::-1], a[::2], a[::-2], a[1::3]):
        for i in range(len(v)):
            assert m.get1(v, i) == v[i]
    # mutable strided view writes through
    b = np.zeros_like(a)
    m.set1(b[::-1], 0, dtype(1))
    assert b[-1] == 1 and not b[:-1].any()
    # C- and F-contiguous views
    c = a.reshape(2, 3)
    assert m.cget2(c, 1, 2) == c[1, 2] and m.cget2(c, 0, 1) == c[0, 1]
    f = np.zeros((2, 3), dtype, order="F")
    m.fset2(f, 1, 2, dtype(1))
    assert f[1, 2] == 1 and f.sum() == 1
    # a new array out, an array in and out (the same object)
    out = m.copy1(a[::-1])
    assert out.dtype == np.dtype(dtype) and out.flags.c_contiguous and (out == a[::-1]).all()
    assert m.pass_array(c) is c


def weighted_reference(v):
    if v.ndim == 1:
        return float(v.sum())
    idx = np.indices(v.shape)
    weight = 1 + sum((d + 1) * idx[d] for d in range(v.ndim))
    return float((v * weight).sum())


@pytest.mark.parametrize("ndim", [1, 2, 3, 4])
def test_any_ndim_and_layout(m, ndim):
    shape = (2, 3, 4, 5)[:ndim]
    a = np.arange(float(np.prod(shape))).reshape(shape)
    flipped = a[(slice(None, None, -1),) * ndim]
    sliced = np.arange(float(np.prod(shape)) * 2).reshape(shape[:-1] + (shape[-1] * 2,))[..., ::2]
    for arr in (a, flipped, sliced, np.asfortranarray(a)):
        assert m.__dict__[f"weighted_v{ndim}"](arr) == weighted_reference(arr)
    assert m.__dict__[f"weighted_c{ndim}"](a) == weighted_reference(a)
    fa = np.asfortranarray(a)
    assert m.__dict__[f"weighted_f{ndim}"](fa) == weighted_reference(fa)
    expected = np.arange(float(np.prod(shape))).reshape(shape)
    for layout, z in (
        ("v", np.zeros(shape)[(slice(None, None, -1),) * ndim]),
        ("c", np.zeros(shape)),
        ("f", np.zeros(shape, order="F")),
    ):
        m.__dict__[f"number_{layout}{ndim}"](z)
        assert (z == expected).all(), layout


def test_strides_are_bytes_and_negative_strides_work(m):
    a = np.zeros((4, 6), np.float32)[::-1, ::2]
    assert m.geometry(a) == (4, 3, -24, 8) == a.shape + a.strides


@pytest.mark.parametrize("shape", [(0,), (0, 3), (3, 0)])
def test_zero_size_arrays_work(m, shape):
    z = np.zeros(shape)
    fn = m.weighted_v1 if len(shape) == 1 else m.weighted_c2
    assert fn(z) == 0.0
    if len(shape) == 2:
        m.number_f2(np.zeros(shape, order="F"))
        assert m.weighted_f2(np.zeros(shape, order="F")) == 0.0
    assert m.copy1(np.zeros(0, np.int16)).shape == (0,)
    assert m.arange(0).shape == (0,)


def test_huge_broadcast_view(m):
    huge = np.broadcast_to(np.float64(2.0), (2**40,))
    assert huge.strides == (0,)
    assert m.get1(huge, 2**40 - 1) == 2.0


def test_aliasing_input_and_output_share_memory(m):
    a = np.arange(5.0)
    m.add_into(a, a, a)  # in place: fine
    assert a.tolist() == [0, 2, 4, 6, 8]
    a = np.arange(5.0)
    m.add_into(a[:-1], a[:-1], a[1:])  # overlapping: each write is seen by the next read
    assert a.tolist() == [0, 0, 0, 0, 0]


def test_new_arrays(m):
    r = m.arange(4)
    assert r.dtype == np.int64 and r.tolist() == [0, 1, 2, 3] and r.flags.owndata
    z = m.zeros3(1, 2, 3)
    assert z.shape == (1, 2, 3) and not z.any()
    c = m.like(np.ones((2, 2), np.complex64) * (1 + 1j))
    assert c.dtype == np.complex64 and (c == 2 + 2j).all()
    raises(ValueError, m.moved_from, match="returned pyx::array is empty")
    raises(ValueError, m.arange, -1, match="negative dimension")


def test_returned_array_is_not_copied_and_lives_on(m):
    import gc

    r = m.maybe_range(1000)
    gc.collect()
    assert r.base is None and r.flags.writeable and r[999] == 999.0


# ---------------------------------------------------------------- defaults, keywords, signature


def test_defaults_of_every_type(m):
    assert m.defaults() == "100|0.000001|F|run|None|None|1.000000,-2.000000|255|0.500000"
    assert (
        m.defaults(1, 2.0, True, "x", np.ones(3), 4, 1j, 7, 1.5)
        == "1|2.000000|T|x|3|4|0.000000,1.000000|7|1.500000"
    )
    assert (
        m.defaults(w=np.ones(2), name="n", small=0)
        == "100|0.000001|F|n|2|None|1.000000,-2.000000|0|0.500000"
    )
    assert m.defaults(k=None, w=None) == m.defaults()


def test_keywords_and_binding_errors_match_cpython(m):
    assert m.three(1, 2) == 123 and m.three(1, b=2) == 123 and m.three(c=0, b=2, a=1) == 120
    assert (
        raises(TypeError, m.three, 1, 2, 3, 4)
        == "three() takes 3 positional arguments but 4 were given"
    )
    assert raises(TypeError, m.three, 1, 2, a=1) == "three() got multiple values for argument 'a'"
    assert raises(TypeError, m.three, 1, 2, d=1) == "three() got an unexpected keyword argument 'd'"
    assert raises(TypeError, m.three) == "three() missing required argument 'a' (pos 1)"
    assert raises(TypeError, m.three, 1, c=3) == "three() missing required argument 'b' (pos 2)"


def test_signature_and_help(m):
    sig = inspect.signature(m.defaults)
    assert list(sig.parameters) == [
        "max_iter",
        "tol",
        "verbose",
        "name",
        "w",
        "k",
        "z",
        "small",
        "f",
    ]
    assert sig.parameters["max_iter"].default == 100
    assert sig.parameters["name"].default == "run"
    assert sig.parameters["w"].default is None
    doc = m.defaults.__doc__
    assert "max_iter: int = 100" in doc and "w: numpy.ndarray | None = None" in doc
    assert "-> str" in doc and "Every kind of default value." in doc
    assert "T is one of: float, double" in m.gather.__doc__
    assert str(inspect.signature(m.three)) == "(a, b, c=3)"


def test_stub_is_written_into_the_cache_entry(m):
    entry = Path(m.__spec__.loader_state["entry_dir"])
    stub = (entry / "pyxtypes.pyi").read_text()
    assert "def defaults(max_iter: int = ..., tol: float = ..." in stub
    assert "def get1(v: numpy.ndarray, i: int) -> " in stub
    assert "def divmod_(a: int, b: int) -> tuple[int, int]:" in stub
    compile(stub, "pyxtypes.pyi", "exec")


# ---------------------------------------------------------------- fused dispatch


def test_several_fused_parameters_give_their_product(m):
    for t in (np.float32, np.float64):
        for i in (np.int32, np.int64):
            got = m.gather(np.arange(5, dtype=t), np.array([1, 2], i))
            assert got == f"{np.dtype(t).name}/{np.dtype(i).name}:3"


def test_scalar_only_fused_dispatches_on_python_type(m):
    for value, kind in (
        (True, "bool"),
        (3, "int"),
        (2.5, "float"),
        (1j, "complex"),
        ("s", "str"),
        (np.float32(1), "float"),
        (np.int16(2), "int"),
        (np.bool_(False), "bool"),
    ):
        assert m.kind_of(value) == kind
    # An int no integer instantiation holds goes to the first integer one, whose
    # conversion says so.
    raises(
        OverflowError,
        m.kind_of,
        2**70,
        match="kind_of\\(\\) argument 'x': .* out of range for int64",
    )


def test_no_match_lists_accepted_signatures(m):
    msg = raises(TypeError, m.kind_of, None)
    assert msg.startswith("kind_of(): no signature matches the arguments (x: None); accepted:")
    assert "\n  kind_of(x: bool)\n  kind_of(x: int)\n  kind_of(x: float)" in msg
    msg = raises(TypeError, m.gather, np.arange(3, dtype=np.int32), np.arange(2))
    assert "(x: ndarray[int32, 1-D], idx: ndarray[int64, 1-D])" in msg
    assert (
        "gather(x: ndarray[float64, 1-D, C-contiguous], idx: ndarray[int32, 1-D, C-contiguous])"
        in msg
    )


def test_fused_scalar_error_names_parameter_when_arrays_match(m):
    a = np.ones((2, 2))
    msg = raises(TypeError, m.compute, a, a, "x", 1, 2)
    assert msg == "compute() argument 'a': expected float, got str"
    assert m.compute(a, a, 1, 2, 3).tolist() == [
        [7.0, 7.0],
        [7.0, 7.0],
    ]  # ints for double: loose pass
    i = np.ones((2, 2), np.intc)
    assert m.compute(i, i, 1, 2, 3).dtype == np.intc
    raises(OverflowError, m.compute, i, i, 2**40, 1, 1, match="compute\\(\\) argument 'a'")


# ---------------------------------------------------------------- exceptions


@pytest.mark.parametrize(
    "kind,exc,text",
    [
        ("invalid_argument", ValueError, "bad argument"),
        ("domain_error", ValueError, "bad domain"),
        ("out_of_range", IndexError, "bad index"),
        ("overflow_error", OverflowError, "too big"),
        ("bad_alloc", MemoryError, ""),
        ("runtime_error", RuntimeError, "went wrong"),
        ("logic_error", RuntimeError, "logic"),
        ("int", RuntimeError, "unknown C++ exception"),
    ],
)
def test_cxx_exceptions_become_python_exceptions(m, kind, exc, text):
    with pytest.raises(exc) as info:
        m.raise_(kind)
    assert type(info.value) is exc and str(info.value) == text
    assert m.raise_("none") == 0


# ---------------------------------------------------------------- indexing


def test_at_is_always_checked(m):
    v = np.zeros((2, 3))
    assert m.at2(v, 1, 2) == 0.0
    for i, j in ((2, 0), (0, 3), (-1, 0), (0, -1)):
        msg = raises(IndexError, m.at2, v, i, j)
        assert msg == f"index ({i}, {j}) is out of bounds for array 'v' with shape (2, 3)"
    assert (
        raises(IndexError, m.array_at, 5)
        == "index (5, 0) is out of bounds for array 'array' with shape (2, 3)"
    )


@pytest.fixture(scope="session")
def bounds(types_cache):
    return tb.load(tb.BOUNDS_SOURCE, types_cache, "pyxbounds")


def check_bounds_module(b):
    v = np.arange(6.0).reshape(2, 3)
    assert b.get2(v, 1, 2) == 5.0
    assert (
        raises(IndexError, b.get2, v, 2, 0)
        == "index (2, 0) is out of bounds for array 'v' with shape (2, 3)"
    )
    assert (
        raises(IndexError, b.get2, v[::-1], -1, 0)
        == "index (-1, 0) is out of bounds for array 'v' with shape (2, 3)"
    )
    g = np.zeros((1, 2, 3))
    assert (
        raises(IndexError, b.cget3, g, 0, 2, 0)
        == "index (0, 2, 0) is out of bounds for array 'grid' with shape (1, 2, 3)"
    )
    assert (
        raises(IndexError, b.fset1, np.zeros(2), 2)
        == "index (2,) is out of bounds for array 'out' with shape (2,)"
    )
    assert b.new_array(3, 2) == 1.0
    raises(
        IndexError,
        b.new_array,
        3,
        3,
        match=r"index \(3, 1\) is out of bounds for array 'array' with shape \(3, 2\)",
    )
    assert b.parallel_sum(np.ones(1000), 0) == 1000.0
    msg = raises(IndexError, b.parallel_sum, np.ones(1000), 5)
    assert msg.startswith("index (10") and msg.endswith(
        "is out of bounds for array 'v' with shape (1000,)"
    )
    assert b.parallel_sum(np.ones(10), 0) == 10.0  # the deferred error does not linger
    assert (
        raises(IndexError, b.nogil_get, np.ones(3), 3)
        == "index (3,) is out of bounds for array 'v' with shape (3,)"
    )


def test_boundscheck_directive_checks_call_operator(bounds):
    check_bounds_module(bounds)


def test_debug_build_checks_call_operator(tmp_path, types_cache):
    source = tmp_path / "pyxbounds_debug.cxxpyx"
    source.write_text(tb.BOUNDS_SOURCE.read_text().replace("// cxximport: boundscheck\n", ""))
    code = (
        "import sys, cxximport\n"
        f"sys.path.insert(0, {str(Path(__file__).parent)!r})\n"
        "cxximport.install()\n"
        f"sys.path.insert(0, {str(tmp_path)!r})\n"
        "import pyxbounds_debug, test_types\n"
        "test_types.check_bounds_module(pyxbounds_debug)\n"
        "print('ok')\n"
    )
    env = {"CXXIMPORT_BUILD_TYPE": "debug", "CXXIMPORT_CACHE_DIR": str(types_cache)}
    proc = run_python(code, env=env)
    assert proc.returncode == 0 and proc.stdout.strip() == "ok", proc.stderr[-3000:]


def test_out_of_bounds_in_a_one_thread_parallel_region_raises_not_aborts(bounds, types_cache):
    """OMP_NUM_THREADS=1 (or an if() clause that is false) makes the region
    inactive: omp_in_parallel() is false there, yet a throw out of it still
    calls std::terminate. The error must be recorded and raised as IndexError."""
    code = (
        "import sys, numpy as np, cxximport\n"
        f"sys.path.insert(0, {str(Path(__file__).parent)!r})\n"
        "import pathlib, pyxtypes_build as tb\n"
        f"b = tb.load(tb.BOUNDS_SOURCE, pathlib.Path({str(types_cache)!r}), 'pyxbounds')\n"
        "try:\n"
        "    b.parallel_sum(np.ones(1000), 5)\n"
        "except IndexError as e:\n"
        "    print('IndexError', e)\n"
        "print(b.parallel_sum(np.ones(10), 0))\n"
    )
    proc = run_python(code, env={"OMP_NUM_THREADS": "1", "CXXIMPORT_CACHE_DIR": str(types_cache)})
    assert proc.returncode == 0, proc.stderr[-3000:]
    lines = proc.stdout.strip().splitlines()
    assert lines[0].startswith("IndexError index (10") and "shape (1000,)" in lines[0], lines
    assert lines[-1] == "10.0"


# ---------------------------------------------------------------- the GIL


def progress_during(fn, seconds=0.3):
    count = 0
    started = threading.Event()
    stop = False

    def worker():
        nonlocal count
        started.set()
        while not stop:
            count += 1

    t = threading.Thread(target=worker)
    old = sys.getswitchinterval()
    sys.setswitchinterval(0.001)
    try:
        t.start()
        started.wait()
        time.sleep(0.01)
        before = count
        fn(seconds)
        during = count - before
    finally:
        stop = True
        t.join()
        sys.setswitchinterval(old)
    return during


def test_nogil_releases_the_gil(m):
    free = progress_during(m.spin_nogil)
    held = progress_during(m.spin_gil)
    # Holding the GIL, the thread runs only around the call (switch interval).
    assert free > 10_000 and free > 5 * held, (free, held)


def test_nogil_functions_may_create_arrays(m):
    results = []
    threads = [threading.Thread(target=lambda: results.append(m.nogil_alloc(50))) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(results) == 4 and all((r == np.eye(50)).all() for r in results)
    assert m.nogil_sum(np.arange(4.0)[::-1]) == 6.0


# ---------------------------------------------------------------- masked arrays


def test_masked_arrays_are_refused_naming_function_and_parameter(m):
    """Issue 14: a numpy.ma.MaskedArray's mask would be ignored, so views and
    arrays refuse it; other ndarray subclasses still pass."""
    data = np.arange(6.0).reshape(2, 3)
    masked = np.ma.masked_array(data, mask=[[0, 1, 0], [0, 0, 0]])
    for f, args, param in (
        (m.weighted_v2, (masked,), "v"),
        (m.weighted_c2, (masked,), "v"),
        (m.cget2, (masked, 0, 0), "v"),
        (m.pass_array, (masked,), "a"),
    ):
        msg = raises(TypeError, f, *args)
        assert msg.startswith(
            f"{f.__name__}() argument '{param}': expected numpy.ndarray of float64"
        )
        assert "got MaskedArray" in msg and "mask would be ignored" in msg
    assert m.weighted_v2(masked.filled(0.0)) == m.weighted_v2(np.where(masked.mask, 0.0, data))

    class Tagged(np.ndarray):
        pass

    assert m.pass_array(data.view(Tagged)) is not None
