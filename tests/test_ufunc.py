"""PYX_UFUNC and PYX_GUFUNC make real numpy.ufunc objects: everything NumPy
gives its own ufuncs works on them (docs/language.md, "Ufuncs").

The functions live in tests/data/ufuncs/ufuncs.cxxpyx, built once per session.
"""

from __future__ import annotations

import pydoc
import threading
import time
import warnings
from pathlib import Path

import numpy as np
import pytest
import pyxtypes_build
from conftest import needs_core

pytestmark = needs_core

SOURCE = Path(__file__).resolve().parent / "data" / "ufuncs" / "ufuncs.cxxpyx"


@pytest.fixture(scope="session")
def m(tmp_path_factory):
    import cxximport

    # One build for all xdist workers (the per-key lock makes the others wait).
    cache = pyxtypes_build.shared_cache_dir(tmp_path_factory)
    return cxximport.load(SOURCE, module="ufunc_cases", cache_dir=str(cache), build_type="release")


# ------------------------------------------------------------- the objects


def test_exports_are_numpy_ufuncs_with_one_loop_per_instantiation(m):
    assert isinstance(m.axpy, np.ufunc)
    assert (m.axpy.nin, m.axpy.nout, m.axpy.__name__) == (3, 1, "axpy")
    assert m.axpy.types == ["fff->f", "ddd->d"]
    # Every scalar type, in NumPy's own order whatever the fused list's order.
    assert m.plus.types == [
        "??->?", "bb->b", "BB->B", "hh->h", "HH->H", "ii->i", "II->I",
        "ll->l", "LL->L", "ff->f", "dd->d", "FF->F", "DD->D",
    ]  # fmt: skip
    assert (m.int_divmod.nin, m.int_divmod.nout) == (2, 2)
    assert m.both.types == ["??->?"]


def test_docstring_is_the_ufunc_doc_with_its_loops(m):
    doc = m.axpy.__doc__
    assert doc.startswith("axpy(x1, x2, x3, /, out=None, *, where=True")
    assert "a * x + y, elementwise." in doc
    assert "fff->f (float32, float32, float32 -> float32)" in doc
    assert "ddd->d (float64, float64, float64 -> float64)" in doc
    text = pydoc.render_doc(m.norm, renderer=pydoc.plaintext)
    assert "Euclidean norm of each row." in text and "f->f" in text


def test_identity_is_settable(m):
    assert m.plus.identity == 0
    assert m.maxi.identity == -np.inf
    assert m.axpy.identity is None
    assert m.plus.reduce(np.zeros(0, dtype=np.int64)) == 0
    assert m.maxi.reduce(np.zeros(0)) == -np.inf
    with pytest.raises(ValueError, match="zero-size array to reduction operation both"):
        m.both.reduce(np.zeros(0, dtype=bool))
    # A C++ constant of the function's namespace; parameters by const reference.
    assert m.hi.identity == -1e300 and m.hi.reduce(np.zeros(0)) == -1e300
    assert m.hi.reduce(np.array([[1.0, 5.0], [3.0, 2.0]]), axis=None) == 5.0
    # None: no identity, but reorderable (several axes at once), unlike no mark.
    grid = np.array([[4.0, 2.0], [3.0, 9.0]])
    assert m.lo.identity is None and m.lo.reduce(grid, axis=(0, 1)) == 2.0
    with pytest.raises(ValueError, match="not reorderable"):
        m.both.reduce(np.ones((2, 2), dtype=bool), axis=(0, 1))


# ---------------------------------------------------- type resolution, casts


def test_numpy_picks_the_loop_and_casts_as_for_its_own_ufuncs(m):
    f4 = np.arange(4, dtype=np.float32)
    assert m.axpy(f4, f4, f4).dtype == np.float32
    assert m.axpy(f4, f4, np.arange(4.0)).dtype == np.float64
    # int32 casts safely to float64 (not to float32): the ddd->d loop.
    r = m.axpy(np.arange(4, dtype=np.int32), 2.0, 1.0)
    assert r.dtype == np.float64 and r.tolist() == [1.0, 3.0, 5.0, 7.0]
    # Python scalars are "weak", as for np.add.
    assert m.axpy(f4, 2.0, 1.0).dtype == np.float32
    assert m.plus(np.int8(100), np.int8(100)) == np.int8(-56)
    assert m.plus(np.arange(3, dtype=np.uint16), 1).dtype == np.uint16
    z = np.array([1 + 2j], dtype=np.complex64)
    assert m.plus(z, z).dtype == np.complex64 and m.plus(z, z)[0] == 2 + 4j


@pytest.mark.parametrize(
    "dt", ["?", "i1", "u1", "i2", "u2", "i4", "u4", "i8", "u8", "f4", "f8", "c8", "c16"]
)
def test_every_scalar_type_has_its_own_loop(m, dt):
    rng = np.random.default_rng(5)
    a = (rng.random(300) * 100).astype(dt)
    b = (rng.random(300) * 100).astype(dt)
    with np.errstate(over="ignore"):
        want = np.add(a, b)
    got = m.plus(a, b)
    assert got.dtype == np.dtype(dt)
    np.testing.assert_array_equal(got, want)
    np.testing.assert_array_equal(m.plus(a[::-3], b[::-3]), want[::-3])


def test_dtype_and_casting_keywords(m):
    a = np.arange(5.0)
    r = m.axpy(a, a, a, dtype=np.float32)
    assert r.dtype == np.float32
    np.testing.assert_allclose(r, a * a + a)
    with pytest.raises(np._core._exceptions._UFuncInputCastingError):
        m.axpy(a, a, a, dtype=np.float32, casting="safe")
    with pytest.raises(TypeError, match="Cannot cast ufunc 'axpy' output"):
        m.axpy(a, a, a, out=np.empty(5, dtype=np.int64))
    out = np.empty(5, dtype=np.int64)
    m.axpy(a, a, a, out=out, casting="unsafe")
    assert out.tolist() == [0, 2, 6, 12, 20]
    assert m.plus(np.int64(3), np.int64(4), signature="dd->d").dtype == np.float64


def test_object_arrays_are_rejected_with_numpys_error(m):
    objs = np.array([1.0, 2.0], dtype=object)
    with pytest.raises(TypeError) as theirs:
        np.heaviside(objs, objs)  # a built-in ufunc with no object loop
    with pytest.raises(TypeError) as ours:
        m.plus(objs, objs)
    assert type(ours.value) is type(theirs.value)
    assert str(ours.value) == str(theirs.value).replace("heaviside", "plus")
    assert "not supported for the input types" in str(ours.value)
    with pytest.raises(TypeError, match="not supported for the input types"):
        m.norm(np.array([[1.0]], dtype=object))
    with pytest.raises(TypeError, match="not supported for the input types"):
        m.axpy(np.array(["a"]), 1.0, 1.0)


# ------------------------------------------------------ broadcasting, out=


def test_broadcasting_and_scalars(m):
    a = np.arange(3.0).reshape(3, 1)
    x = np.arange(4.0)
    r = m.axpy(a, x, 10.0)
    assert r.shape == (3, 4)
    np.testing.assert_array_equal(r, a * x + 10.0)
    with pytest.raises(ValueError, match="could not be broadcast"):
        m.axpy(np.zeros(3), np.zeros(4), 0.0)


def test_zero_d_inputs_return_numpy_scalars_and_empty_arrays_work(m):
    r = m.axpy(2.0, 3.0, 1.0)
    assert type(r) is np.float64 and r == 7.0
    r = m.axpy(np.float32(2), np.float32(3), np.float32(1))
    assert type(r) is np.float32
    q, rem = m.int_divmod(np.int64(-7), np.int64(2))
    assert (type(q), q, rem) == (np.int64, -4, 1)
    e = m.axpy(np.zeros((0, 3)), 1.0, 1.0)
    assert e.shape == (0, 3) and e.dtype == np.float64
    assert m.norm(np.zeros((0, 5))).shape == (0,)


def test_out_including_in_place_and_where(m):
    a = np.arange(6.0)
    out = np.full(6, -1.0)
    r = m.axpy(a, 2.0, 1.0, out=out)
    assert r is out and out.tolist() == [1.0, 3.0, 5.0, 7.0, 9.0, 11.0]
    m.axpy(a, 2.0, a, out=a)  # in place: a = a * 2 + a
    assert a.tolist() == [0.0, 3.0, 6.0, 9.0, 12.0, 15.0]
    b = np.arange(10.0)
    m.axpy(b[::2], 10.0, 0.0, out=b[::2])  # in place through a strided view
    assert b.tolist() == [0, 1, 20, 3, 40, 5, 60, 7, 80, 9]
    mask = np.array([True, False, True, False, True, False])
    out = np.full(6, -1.0)
    m.axpy(np.arange(6.0), 1.0, 1.0, out=out, where=mask)
    assert out.tolist() == [1.0, -1.0, 3.0, -1.0, 5.0, -1.0]
    q, r = np.empty(3, np.int64), np.empty(3, np.int64)
    res = m.int_divmod(np.array([7, -7, 8]), 3, out=(q, r))
    assert res[0] is q and q.tolist() == [2, -3, 2] and r.tolist() == [1, 2, 2]


def test_strided_negative_stride_byteswapped_and_misaligned_inputs(m):
    rng = np.random.default_rng(0)
    base = rng.random((40, 30))
    a, x, y = base[::3, ::2], base[::-2, 1::2][:14, :15], base.T[:14, :15]
    np.testing.assert_allclose(m.axpy(a, x, y), a * x + y)
    sw = base.astype(">f8")
    assert not sw.dtype.isnative
    np.testing.assert_allclose(m.axpy(sw, sw, sw), base * base + base)
    raw = np.zeros(8 * 1000 + 1, dtype=np.uint8)
    mis = raw[1:].view(np.float64)
    mis[:] = np.arange(1000.0)
    assert not mis.flags.aligned
    np.testing.assert_array_equal(m.axpy(mis, 2.0, mis), np.arange(1000.0) * 3)
    out = raw[1:].view(np.float64)
    m.axpy(np.arange(1000.0), 1.0, 1.0, out=out)
    np.testing.assert_array_equal(out, np.arange(1000.0) + 1)
    # broadcast scalar operands between contiguous ones, longer than a block
    n = 10_007
    big = rng.random(n)
    np.testing.assert_allclose(m.axpy(big, 3.0, big[::-1]), big * 3 + big[::-1])


# ------------------------------------------------------- binary ufunc methods


def test_reduce_accumulate_reduceat_outer_at_match_numpy(m):
    a = np.arange(1, 13, dtype=np.int64).reshape(3, 4)
    assert m.plus.reduce(a).tolist() == np.add.reduce(a).tolist()
    assert m.plus.reduce(a, axis=1).tolist() == np.add.reduce(a, axis=1).tolist()
    assert m.plus.reduce(a, axis=None) == 78
    assert m.plus.reduce(a.astype(np.float32), axis=(0, 1)) == 78.0
    assert m.plus.accumulate(a, axis=1).tolist() == np.add.accumulate(a, axis=1).tolist()
    v = np.arange(10.0)
    idx = [0, 4, 1, 7]
    assert m.plus.reduceat(v, idx).tolist() == np.add.reduceat(v, idx).tolist()
    assert (
        m.plus.outer(np.arange(3), np.arange(4)).tolist()
        == np.add.outer(np.arange(3), np.arange(4)).tolist()
    )
    t = np.zeros(5)
    m.plus.at(t, [0, 1, 1, 4, 4, 4], 1.0)
    assert t.tolist() == [1.0, 2.0, 0.0, 0.0, 3.0]
    assert m.maxi.reduce(np.array([3.0, -1.0, 7.0, 2.0])) == 7.0
    assert m.both.reduce(np.array([True, True, False])) == np.False_
    with pytest.raises(ValueError, match="only supported for binary functions"):
        m.axpy.reduce(v)
    assert m.plus.reduce(a, where=a % 2 == 0, axis=1).tolist() == [6, 14, 22]
    b = np.arange(6.0)
    m.plus.reduce(b[::-1].reshape(2, 3), axis=0, out=t[:3])
    assert t[:3].tolist() == [7.0, 5.0, 3.0]


def test_array_ufunc_overrides_of_subclasses_are_called(m):
    seen = []

    class Tracked(np.ndarray):
        def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
            seen.append((ufunc, method))
            plain = [np.asarray(i) if isinstance(i, Tracked) else i for i in inputs]
            return getattr(ufunc, method)(*plain, **kwargs).view(Tracked)

    t = np.arange(4.0).view(Tracked)
    r = m.axpy(t, 2.0, 1.0)
    assert isinstance(r, Tracked) and r.tolist() == [1.0, 3.0, 5.0, 7.0]
    m.plus.reduce(t)
    assert seen == [(m.axpy, "__call__"), (m.plus, "reduce")]

    class Other:
        def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
            return ("handled", ufunc.__name__, method)

    assert m.norm(Other()) == ("handled", "norm", "__call__")


# ------------------------------------------------------- errors, errstate


def test_cpp_exceptions_become_python_exceptions_after_the_loop(m):
    with pytest.raises(ValueError, match="checked_sqrt: negative input -2"):
        m.checked_sqrt(np.array([4.0, -2.0, 9.0]))
    big = np.ones(100_000)
    big[77_777] = -1
    with pytest.raises(ValueError, match="negative input"):
        m.checked_sqrt(big.astype(np.float32))  # buffered (cast) chunks
    with pytest.raises(ValueError, match="pdist: points need at least one coordinate"):
        m.pdist(np.zeros((2, 0)), np.zeros((3, 0)))
    assert m.checked_sqrt(np.array([4.0])).tolist() == [2.0]  # still usable


def test_integer_division_by_zero_follows_errstate(m):
    a = np.array([7, -7, 5, np.iinfo(np.int64).min, 0])
    b = np.array([2, 2, 0, -1, 3])
    with np.errstate(all="ignore"):
        expected = (np.floor_divide(a, b), np.remainder(a, b))
        got = m.int_divmod(a, b)
    assert [g.tolist() for g in got] == [e.tolist() for e in expected]
    with pytest.warns(RuntimeWarning, match="divide by zero encountered in fdiv"):
        m.fdiv(np.array([1, 2]), np.array([0, 1]))
    with np.errstate(divide="raise"), pytest.raises(FloatingPointError, match="divide by zero"):
        m.fdiv(np.array([1, 2]), np.array([1, 0]))
    with np.errstate(divide="ignore"), warnings.catch_warnings():
        warnings.simplefilter("error")
        assert m.fdiv(np.array([1]), np.array([0])).tolist() == [0]
    with np.errstate(over="raise"), pytest.raises(FloatingPointError, match="overflow"):
        m.fdiv(np.array([np.iinfo(np.int64).min]), np.array([-1]))
    rng = np.random.default_rng(1)
    for dt in (np.int8, np.int32, np.uint32):
        info = np.iinfo(dt)
        x = rng.integers(info.min, info.max, 500, dtype=dt, endpoint=True)
        y = rng.integers(info.min, info.max, 500, dtype=dt, endpoint=True)
        y[y == 0] = 1
        q, r = m.int_divmod(x, y)
        with np.errstate(over="ignore"):
            assert (q == np.floor_divide(x, y)).all() and (r == np.remainder(x, y)).all()


def test_plain_cpp_integer_division_by_zero_follows_errstate(m):
    a = np.array([7, -9, 5, 4, 0, 12])
    b = np.array([2, 3, 0, 1, 0, -5])
    want = [3, -3, 0, 4, 0, -2]  # C++ truncates; a zero divisor gives 0
    with pytest.warns(RuntimeWarning, match="divide by zero encountered in cdiv"):
        assert m.cdiv(a, b).tolist() == want
    with np.errstate(divide="raise"), pytest.raises(FloatingPointError, match="divide by zero"):
        m.cdiv(a, b)
    with np.errstate(divide="ignore"):
        assert m.cdiv(a.astype(np.uint8), b.astype(np.uint8)).dtype == np.uint8
        big = np.arange(1, 20_001, dtype=np.int64)
        div = np.ones_like(big)
        div[[5, 12_345]] = 0
        got = m.cdiv(big, div)  # the trapping block is redone element by element
        assert got[5] == 0 and got[12_345] == 0 and got.sum() == big.sum() - 6 - 12_346
        c = big.copy()
        m.cdiv(c, div, out=c)  # in place
        assert (c == got).all()
        assert (m.cdiv(big[::-3], div[::-3]) == got[::-3]).all()
        assert m.cdiv.reduce(np.array([100, 5, 0, 7])) == 0
        assert m.cdiv(np.int32(7), np.int32(0)) == 0
    assert m.cdiv(np.array([9]), np.array([3])).tolist() == [3]  # still usable


def test_integer_division_by_zero_survives_a_later_faulthandler(m, tmp_path_factory, python):
    cache = pyxtypes_build.shared_cache_dir(tmp_path_factory)
    proc = python(
        f"""
        import faulthandler, warnings
        import numpy as np, cxximport
        m = cxximport.load({str(SOURCE)!r}, module="ufunc_cases", cache_dir={str(cache)!r},
                           build_type="release", no_build=True)
        faulthandler.enable()  # replaces the SIGFPE handler after the import
        warnings.simplefilter("ignore")
        print(m.cdiv(np.array([7, 1]), np.array([2, 0])).tolist())
        """
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "[3, 0]"


def test_gil_is_released_in_the_loop_unless_marked(m):
    zeros = np.zeros(100_000)
    assert m.is_held_plain(zeros).max() == 0
    assert m.is_held_plain(zeros[:501]).max() == 0  # NumPy keeps it for 500 elements or fewer
    assert m.is_held_marked(zeros[:10]).min() == 1
    assert m.is_held_marked(zeros).min() == 1
    assert m.py_abs(np.array([-1.5, 2.0])).tolist() == [1.5, 2.0]
    # Another thread runs Python while a long plain loop runs.
    ticks = []
    stop = threading.Event()

    def count():
        while not stop.is_set():
            ticks.append(1)
            time.sleep(0)

    th = threading.Thread(target=count)
    th.start()
    try:
        for _ in range(5):
            m.is_held_plain(np.zeros(3_000_000))
    finally:
        stop.set()
        th.join()
    assert ticks


# ------------------------------------------------------------------- gufuncs


def test_gufunc_norm_broadcasts_over_loop_dimensions(m):
    assert m.norm.signature == "(n)->()"
    assert m.norm.types == ["f->f", "d->d"]
    x = np.random.default_rng(2).random((3, 5, 7))
    np.testing.assert_allclose(m.norm(x), np.linalg.norm(x, axis=-1))
    np.testing.assert_allclose(m.norm(x, axis=1), np.linalg.norm(x, axis=1))
    np.testing.assert_allclose(m.norm(x[:, ::-2, ::3]), np.linalg.norm(x[:, ::-2, ::3], axis=-1))
    assert m.norm(x.astype(np.float32)).dtype == np.float32
    r = m.norm(np.array([3.0, 4.0]))
    assert type(r) is np.float64 and r == 5.0
    with pytest.raises(ValueError, match="does not have enough dimensions"):
        m.norm(3.0)


def test_gufunc_pairwise_distance_and_view_outputs(m):
    rng = np.random.default_rng(3)
    a, b = rng.random((4, 3)), rng.random((6, 3))
    want = np.sqrt(((a[:, None, :] - b[None, :, :]) ** 2).sum(-1))
    np.testing.assert_allclose(m.pdist(a, b), want)
    stack = rng.random((2, 4, 3))
    np.testing.assert_allclose(m.pdist(stack, b)[1], m.pdist(stack[1], b))
    out = np.zeros((6, 4)).T  # a transposed (F-ordered) output
    m.pdist(a, b, out=out)
    np.testing.assert_allclose(out, want)
    with pytest.raises(ValueError, match="mismatch in its core dimension"):
        m.pdist(a, rng.random((6, 2)))
    v = np.arange(5.0)
    np.testing.assert_array_equal(m.scale(v, np.array([1.0, 2.0])[:, None])[:, 0], [v, 2 * v])
    lo, hi = m.min_max(np.array([[3.0, 1.0, 2.0], [5.0, 6.0, 4.0]]))
    assert lo.tolist() == [1.0, 4.0] and hi.tolist() == [3.0, 6.0]
    with pytest.raises(ValueError, match="min_max: empty row"):
        m.min_max(np.zeros((2, 0)))
    with pytest.raises(
        IndexError, match=r"index \(3,\) is out of bounds for array 'v' with shape \(3,\)"
    ):
        m.past_end(np.zeros((2, 3)))


def test_gufunc_contiguous_views_take_copies_of_strided_blocks(m):
    rng = np.random.default_rng(4)
    a, b = rng.random((6, 5)), rng.random((6, 5))
    want = np.einsum("ij,ij->i", a, b)
    np.testing.assert_allclose(m.cdot(a, b), want)  # rows contiguous: no copy
    np.testing.assert_allclose(m.cdot(a.T.copy().T, b[:, ::-1][:, ::-1]), want)
    np.testing.assert_allclose(
        m.cdot(a[:, ::2], b[:, ::2]), np.einsum("ij,ij->i", a[:, ::2], b[:, ::2])
    )
    blocks = rng.random((3, 4, 2))
    np.testing.assert_array_equal(m.transpose(blocks), blocks.transpose(0, 2, 1))
    out = np.zeros((2, 4, 3)).transpose(2, 0, 1)  # a strided output block: copied back
    r = m.transpose(blocks, out=out)
    assert r is out
    np.testing.assert_array_equal(out, blocks.transpose(0, 2, 1))
    np.testing.assert_array_equal(
        m.transpose(blocks[:, ::-1, :]), blocks[:, ::-1, :].transpose(0, 2, 1)
    )


# ------------------------------------------------- stubs and cxximport show


def test_stub_lists_ufuncs_with_their_loops():
    from cxximport import stubgen

    pyi = stubgen.stub_text(str(SOURCE), "ufunc_cases")
    assert "\naxpy: numpy.ufunc\n" in pyi
    assert "# ufunc (a, x, y): 3 inputs, 1 output; loops: fff->f, ddd->d" in pyi
    assert '# gufunc "(n,d),(m,d)->(n,m)" (a, b): 2 inputs, 1 output; loops: dd->d' in pyi
    assert "loops: bb->bb, ii->ii, II->II, ll->ll" in pyi
    assert "Signature: (n)->()" in pyi and "Euclidean norm of each row." in pyi
    compile(pyi, "ufuncs.pyi", "exec")


def test_cxximport_show_lists_ufuncs(cli, cache_dir):
    proc = cli("show", str(SOURCE))
    assert proc.returncode == 0, proc.stderr
    assert "ufunc:   axpy (3 in, 1 out): fff->f, ddd->d" in proc.stdout
    assert 'gufunc:  norm "(n)->()" (1 in, 1 out): f->f, d->d' in proc.stdout
    assert "int_divmod (2 in, 2 out): bb->bb, ii->ii, II->II, ll->ll" in proc.stdout
