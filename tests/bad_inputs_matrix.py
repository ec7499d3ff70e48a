"""The generated matrix of bad calls (and a few valid edge cases) against
tests/data/types/pyxtypes.cxxpyx, and a crash-safe runner.

Each case calls one exported function and states the exception type and the
words its message must contain: the function (``name()``) and the parameter
(``'param'``), or for binding errors the function and the argument as
CPython words them. Valid edge cases (zero-size and huge broadcast arrays)
expect success.

``run_in_subprocesses`` runs every case in a child interpreter that reports
one JSON line per case; a crash (a signal, an abort) fails the case that
was running and the run resumes after it. tests/test_bad_inputs.py uses it,
and so does tests/sanitize/run.sh (``python bad_inputs_matrix.py ...``).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pyxtypes_build

HERE = os.path.dirname(os.path.abspath(__file__))


@dataclass
class Case:
    id: str
    func: str
    make: Callable[[], tuple[tuple, dict]]  # builds (args, kwargs) at call time
    exc: str | None  # expected exception type name; None: the call must succeed
    needles: tuple[str, ...] = field(default=())  # substrings of the message


def _arg(*args, **kwargs):
    return lambda: (args, kwargs)


INT_RANGES = pyxtypes_build.INT_RANGES  # the C++ integer parameters of pyxtypes.cxxpyx

# Wrong Python values for scalar parameters: (label, factory).
NOT_INT = [
    ("float", lambda: 1.0),
    ("npfloat32", lambda: np.float32(2)),
    ("none", lambda: None),
    ("str", lambda: "1"),
    ("list", lambda: [1]),
]
NOT_FLOAT = [
    ("str", lambda: "1.5"),
    ("none", lambda: None),
    ("complex", lambda: 1j),
    ("bytes", lambda: b"1"),
    ("list", lambda: [1.0]),
    ("ndarray", lambda: np.zeros(1)),
]
NOT_COMPLEX = [
    ("str", lambda: "1j"),
    ("none", lambda: None),
    ("bytes", lambda: b""),
    ("list", lambda: [1j]),
]
NOT_STR = [
    ("bytes", lambda: b"abc"),
    ("int", lambda: 3),
    ("none", lambda: None),
    ("bytearray", lambda: bytearray(b"x")),
]
NOT_BOOL = [
    ("int", lambda: 1),
    ("none", lambda: None),
    ("str", lambda: "True"),
    ("float", lambda: 1.0),
]
NOT_ARRAY = [
    ("list", lambda shape: np.zeros(shape).tolist()),
    ("none", lambda shape: None),
    ("scalar", lambda shape: 1.0),
    ("str", lambda shape: "array"),
]


def _scalar_cases() -> list[Case]:
    out = []
    for name, (lo, hi) in INT_RANGES.items():
        f = "id_" + name
        for label, v in (("above", hi + 1), ("below", lo - 1), ("huge", 2**100)):
            out.append(
                Case(
                    f"{f}-overflow-{label}",
                    f,
                    _arg(v),
                    "OverflowError",
                    (f"{f}() argument 'x'", "out of range", f"{lo} to {hi}"),
                )
            )
        for label, make in NOT_INT:
            out.append(
                Case(
                    f"{f}-{label}",
                    f,
                    lambda make=make: ((make(),), {}),
                    "TypeError",
                    (f"{f}() argument 'x'", "expected int"),
                )
            )
    for label, make in NOT_BOOL:
        out.append(
            Case(
                f"id_bool-{label}",
                "id_bool",
                lambda make=make: ((make(),), {}),
                "TypeError",
                ("id_bool() argument 'x'", "expected bool"),
            )
        )
    for f in ("id_float", "id_double"):
        for label, make in NOT_FLOAT:
            out.append(
                Case(
                    f"{f}-{label}",
                    f,
                    lambda make=make: ((make(),), {}),
                    "TypeError",
                    (f"{f}() argument 'x'", "expected float"),
                )
            )
        out.append(
            Case(f"{f}-int-too-large", f, _arg(10**400), "OverflowError", (f"{f}() argument 'x'",))
        )
    out.append(
        Case(
            "id_float-float32-overflow",
            "id_float",
            _arg(1e300),
            "OverflowError",
            ("id_float() argument 'x'", "out of range for float32"),
        )
    )
    for f in ("id_complex64", "id_complex128"):
        for label, make in NOT_COMPLEX:
            out.append(
                Case(
                    f"{f}-{label}",
                    f,
                    lambda make=make: ((make(),), {}),
                    "TypeError",
                    (f"{f}() argument 'x'", "expected complex"),
                )
            )
    for f in ("id_string", "id_string_ref", "len_view"):
        param = "s"
        for label, make in NOT_STR:
            out.append(
                Case(
                    f"{f}-{label}",
                    f,
                    lambda make=make: ((make(),), {}),
                    "TypeError",
                    (f"{f}() argument '{param}'", "expected str"),
                )
            )
        out.append(
            Case(
                f"{f}-surrogate",
                f,
                _arg("\udc80"),
                "ValueError",
                (f"{f}() argument '{param}'", "UTF-8"),
            )
        )
    out += [
        Case(
            "concat-bytes-middle",
            "concat",
            _arg("a", b"b", "c"),
            "TypeError",
            ("concat() argument 'b'",),
        ),
        Case(
            "opt_int-str",
            "opt_int",
            _arg("x"),
            "TypeError",
            ("opt_int() argument 'x'", "expected int"),
        ),
        Case("opt_int-float", "opt_int", _arg(1.5), "TypeError", ("opt_int() argument 'x'",)),
        Case(
            "opt_int-overflow", "opt_int", _arg(2**40), "OverflowError", ("opt_int() argument 'x'",)
        ),
        Case(
            "opt_double-str", "opt_double", _arg("x"), "TypeError", ("opt_double() argument 'x'",)
        ),
        Case(
            "opt_string-bytes",
            "opt_string",
            _arg(b"x"),
            "TypeError",
            ("opt_string() argument 's'",),
        ),
        Case(
            "opt_view_sum-list",
            "opt_view_sum",
            _arg([1.0]),
            "TypeError",
            ("opt_view_sum() argument 'v'",),
        ),
        Case(
            "opt_view_sum-dtype",
            "opt_view_sum",
            lambda: ((np.arange(3),), {}),
            "TypeError",
            ("opt_view_sum() argument 'v'", "dtype float64", "got dtype int64"),
        ),
        Case(
            "opt_view_sum-strided",
            "opt_view_sum",
            lambda: ((np.arange(6.0)[::2],), {}),
            "ValueError",
            ("opt_view_sum() argument 'v'", "C-contiguous"),
        ),
        Case(
            "opt_array-readonly",
            "opt_array",
            lambda: ((_readonly(np.zeros(3)),), {}),
            "ValueError",
            ("opt_array() argument 'a'", "read-only"),
        ),
        Case("divmod_-zero", "divmod_", _arg(1, 0), "ValueError", ("division by zero",)),
        Case(
            "mixed_tuple-negative", "mixed_tuple", _arg(-1), "ValueError", ("negative dimension",)
        ),
        Case("arange-none", "arange", _arg(None), "TypeError", ("arange() argument 'n'",)),
        Case(
            "three-float",
            "three",
            _arg(1, 2.5),
            "TypeError",
            ("three() argument 'b'", "expected int"),
        ),
        Case(
            "defaults-kw-type",
            "defaults",
            lambda: ((), {"verbose": 1}),
            "TypeError",
            ("defaults() argument 'verbose'", "expected bool"),
        ),
        Case(
            "defaults-kw-w-dtype",
            "defaults",
            lambda: ((), {"w": np.ones(2, np.float32)}),
            "TypeError",
            ("defaults() argument 'w'", "float64"),
        ),
        Case(
            "defaults-small-overflow",
            "defaults",
            lambda: ((), {"small": 256}),
            "OverflowError",
            ("defaults() argument 'small'", "uint8"),
        ),
    ]
    return out


def _readonly(a):
    a.setflags(write=False)
    return a


def _shape(ndim):
    return (2, 3, 4, 5)[:ndim]


def _view_cases() -> list[Case]:
    out = []
    for ndim in (1, 2, 3, 4):
        shape = _shape(ndim)
        for layout in ("v", "c", "f"):
            f = f"weighted_{layout}{ndim}"
            need = (f"{f}() argument 'v'",)
            for label, make in NOT_ARRAY:
                out.append(
                    Case(
                        f"{f}-{label}",
                        f,
                        lambda make=make, shape=shape: ((make(shape),), {}),
                        "TypeError",
                        need + ("expected numpy.ndarray",),
                    )
                )
            for dt in ("float32", "int64", "complex128", "bool"):
                out.append(
                    Case(
                        f"{f}-dtype-{dt}",
                        f,
                        lambda dt=dt, shape=shape: ((np.zeros(shape, dt),), {}),
                        "TypeError",
                        need + ("dtype float64", f"got dtype {dt}"),
                    )
                )
            out.append(
                Case(
                    f"{f}-byteswapped",
                    f,
                    lambda shape=shape: ((np.zeros(shape, ">f8"),), {}),
                    "TypeError",
                    need + ("dtype float64",),
                )
            )
            out.append(
                Case(
                    f"{f}-masked",
                    f,
                    lambda shape=shape: ((np.ma.masked_array(np.zeros(shape), mask=True),), {}),
                    "TypeError",
                    need + ("got MaskedArray", "mask would be ignored"),
                )
            )
            for wrong in (ndim - 1, ndim + 1):
                if wrong < 0:
                    continue
                out.append(
                    Case(
                        f"{f}-ndim{wrong}",
                        f,
                        lambda wrong=wrong: ((np.zeros((2,) * wrong),), {}),
                        "ValueError",
                        need + (f"expected a {ndim}-D array, got a {wrong}-D array",),
                    )
                )
            if layout == "c":
                out.append(
                    Case(
                        f"{f}-strided",
                        f,
                        lambda shape=shape: ((np.zeros(shape)[..., ::-1],), {}),
                        "ValueError",
                        need + ("C-contiguous",),
                    )
                )
                if ndim >= 2:
                    out.append(
                        Case(
                            f"{f}-fortran",
                            f,
                            lambda shape=shape: ((np.zeros(shape, order="F"),), {}),
                            "ValueError",
                            need + ("C-contiguous",),
                        )
                    )
            if layout == "f":
                out.append(
                    Case(
                        f"{f}-strided",
                        f,
                        lambda shape=shape: ((np.zeros(shape, order="F")[::-1],), {}),
                        "ValueError",
                        need + ("Fortran-contiguous",),
                    )
                )
                if ndim >= 2:
                    out.append(
                        Case(
                            f"{f}-corder",
                            f,
                            lambda shape=shape: ((np.zeros(shape),), {}),
                            "ValueError",
                            need + ("Fortran-contiguous",),
                        )
                    )
            # Mutable views refuse read-only arrays.
            g = f"number_{layout}{ndim}"
            order = "F" if layout == "f" else "C"
            out.append(
                Case(
                    f"{g}-readonly",
                    g,
                    lambda shape=shape, order=order: (
                        (_readonly(np.zeros(shape, order=order)),),
                        {},
                    ),
                    "ValueError",
                    (f"{g}() argument 'v'", "read-only"),
                )
            )
            out.append(
                Case(
                    f"{g}-broadcast",
                    g,
                    lambda shape=shape: ((np.broadcast_to(np.zeros(1), shape),), {}),
                    "ValueError",
                    (f"{g}() argument 'v'",),
                )
            )
            out.append(
                Case(
                    f"{g}-dtype",
                    g,
                    lambda shape=shape: ((np.zeros(shape, np.float32),), {}),
                    "TypeError",
                    (f"{g}() argument 'v'", "float64"),
                )
            )
            # Valid edge cases: zero-size arrays work.
            zshape = (0,) + shape[1:]
            out.append(
                Case(
                    f"{f}-zero-size",
                    f,
                    lambda zshape=zshape, order=order: ((np.zeros(zshape, order=order),), {}),
                    None,
                )
            )
    # Unaligned data.
    out.append(
        Case(
            "weighted_v1-unaligned",
            "weighted_v1",
            lambda: ((np.frombuffer(b"\0" * 17, np.uint8)[1:].view(np.float64),), {}),
            "ValueError",
            ("weighted_v1() argument 'v'", "aligned"),
        )
    )
    # Huge broadcast (zero strides): valid and cheap.
    out.append(
        Case(
            "get1-huge-broadcast",
            "get1",
            lambda: ((np.broadcast_to(np.float64(1), (2**40,)), 2**40 - 1), {}),
            None,
        )
    )
    out.append(
        Case(
            "weighted_v2-huge-broadcast",
            "weighted_v2",
            lambda: ((np.broadcast_to(np.float64(1), (2**31, 0)),), {}),
            None,
        )
    )
    out.append(Case("arange-too-big", "arange", _arg(2**62), "ValueError", ("too big",)))
    return out


def _fused_cases() -> list[Case]:
    return [
        Case(
            "get1-dtype-float16",
            "get1",
            lambda: ((np.zeros(3, np.float16), 0), {}),
            "TypeError",
            ("get1(): no signature matches", "v: ndarray[float16, 1-D]", "get1(v: ndarray[bool"),
        ),
        Case(
            "get1-list",
            "get1",
            _arg([1, 2], 0),
            "TypeError",
            ("get1(): no signature matches", "v: list"),
        ),
        Case(
            "get1-none",
            "get1",
            _arg(None, 0),
            "TypeError",
            ("get1(): no signature matches", "v: None"),
        ),
        Case(
            "get1-index-str",
            "get1",
            lambda: ((np.zeros(3), "0"), {}),
            "TypeError",
            ("get1() argument 'i'", "expected int"),
        ),
        Case(
            "get1-ndim",
            "get1",
            lambda: ((np.zeros((2, 2)), 0), {}),
            "ValueError",
            ("get1() argument 'v'", "1-D"),
        ),
        Case(
            "set1-readonly",
            "set1",
            lambda: ((_readonly(np.zeros(3)), 0, 1.0), {}),
            "ValueError",
            ("set1() argument 'v'", "read-only"),
        ),
        Case(
            "set1-value-str",
            "set1",
            lambda: ((np.zeros(3), 0, "x"), {}),
            "TypeError",
            ("set1() argument 'x'", "expected float"),
        ),
        Case(
            "set1-value-overflow",
            "set1",
            lambda: ((np.zeros(3, np.int8), 0, 300), {}),
            "OverflowError",
            ("set1() argument 'x'", "int8"),
        ),
        Case(
            "cget2-fortran",
            "cget2",
            lambda: ((np.zeros((2, 2), order="F"), 0, 0), {}),
            "ValueError",
            ("cget2() argument 'v'", "C-contiguous"),
        ),
        Case(
            "fset2-corder",
            "fset2",
            lambda: ((np.zeros((2, 2)), 0, 0, 1.0), {}),
            "ValueError",
            ("fset2() argument 'v'", "Fortran-contiguous"),
        ),
        Case(
            "pass_array-strided",
            "pass_array",
            lambda: ((np.zeros((2, 4))[:, ::2],), {}),
            "ValueError",
            ("pass_array() argument 'a'", "C-contiguous"),
        ),
        Case(
            "pass_array-readonly",
            "pass_array",
            lambda: ((_readonly(np.zeros((2, 2))),), {}),
            "ValueError",
            ("pass_array() argument 'a'", "read-only"),
        ),
        Case(
            "pass_array-ndim",
            "pass_array",
            lambda: ((np.zeros(2),), {}),
            "ValueError",
            ("pass_array() argument 'a'", "2-D"),
        ),
        Case(
            "gather-dtypes",
            "gather",
            lambda: ((np.zeros(2, np.int32), np.zeros(2, np.int32)), {}),
            "TypeError",
            (
                "gather(): no signature matches",
                "x: ndarray[int32, 1-D]",
                "idx: ndarray[int32, 1-D]",
            ),
        ),
        Case(
            "gather-idx-ndim",
            "gather",
            lambda: ((np.zeros(2), np.zeros((1, 1), np.int32)), {}),
            "ValueError",
            ("gather() argument 'idx'", "1-D"),
        ),
        Case(
            "kind_of-none",
            "kind_of",
            _arg(None),
            "TypeError",
            ("kind_of(): no signature matches", "x: None"),
        ),
        Case(
            "kind_of-list",
            "kind_of",
            _arg([1]),
            "TypeError",
            ("kind_of(): no signature matches", "x: list"),
        ),
        Case(
            "kind_of-bytes",
            "kind_of",
            _arg(b"s"),
            "TypeError",
            ("kind_of(): no signature matches", "x: bytes"),
        ),
        Case(
            "compute-shape",
            "compute",
            lambda: ((np.ones((2, 2)), np.ones((3, 2)), 1, 1, 1), {}),
            "ValueError",
            ("same shape",),
        ),
        Case(
            "compute-dtype-mix",
            "compute",
            lambda: ((np.ones((2, 2)), np.ones((2, 2), np.intc), 1, 1, 1), {}),
            "TypeError",
            ("compute(): no signature matches", "array_2: ndarray[int32, 2-D]"),
        ),
        Case(
            "compute-scalar-str",
            "compute",
            lambda: ((np.ones((2, 2)), np.ones((2, 2)), 1, "b", 1), {}),
            "TypeError",
            ("compute() argument 'b'", "expected float"),
        ),
    ]


BINDING_TARGETS = {
    # function: (valid positional args factory, first parameter, number of parameters, a keyword)
    "three": (lambda: (1, 2, 3), "a", 3),
    "defaults": (lambda: (1, 1.0, False, "n", None, None, 1j, 1, 1.0), "max_iter", 9),
    "weighted_c2": (lambda: (np.zeros((2, 2)),), "v", 1),
    "get1": (lambda: (np.zeros(2), 0), "v", 2),
    "kind_of": (lambda: (1,), "x", 1),
    "concat": (lambda: ("a", "b", "c"), "a", 3),
    "compute": (lambda: (np.ones((1, 1)), np.ones((1, 1)), 1, 2, 3), "array_1", 5),
    "nothing": (lambda: (1,), "x", 1),
    "id_object": (lambda: (1,), "o", 1),
    "static_text": (lambda: (), None, 0),
}


def _binding_cases() -> list[Case]:
    out = []
    for f, (valid, first, n) in BINDING_TARGETS.items():
        plural = "" if n == 1 else "s"
        out.append(
            Case(
                f"{f}-too-many-positional",
                f,
                lambda valid=valid: (valid() + (0,), {}),
                "TypeError",
                (
                    f"{f}() takes {n} positional argument{plural} but {n + 1} "
                    f"{'was' if n == 0 else 'were'} given",
                ),
            )
        )
        out.append(
            Case(
                f"{f}-unknown-keyword",
                f,
                lambda valid=valid: (valid(), {"bogus": 1}),
                "TypeError",
                (f"{f}() got an unexpected keyword argument 'bogus'",),
            )
        )
        if first is None:
            continue
        out.append(
            Case(
                f"{f}-duplicate",
                f,
                lambda valid=valid, first=first: (valid(), {first: valid()[0]}),
                "TypeError",
                (f"{f}() got multiple values for argument '{first}'",),
            )
        )
        if f != "defaults":
            out.append(
                Case(
                    f"{f}-missing",
                    f,
                    _arg(),
                    "TypeError",
                    (f"{f}() missing required argument '{first}' (pos 1)",),
                )
            )
        out.append(
            Case(f"{f}-by-keyword", f, lambda valid=valid, f=f: ((), _keywords(f, valid())), None)
        )
    return out


KEYWORDS = {
    "three": ["a", "b", "c"],
    "defaults": ["max_iter", "tol", "verbose", "name", "w", "k", "z", "small", "f"],
    "weighted_c2": ["v"],
    "get1": ["v", "i"],
    "kind_of": ["x"],
    "concat": ["a", "b", "c"],
    "compute": ["array_1", "array_2", "a", "b", "c"],
    "nothing": ["x"],
    "id_object": ["o"],
}


def _keywords(f, args):
    return dict(zip(KEYWORDS[f], args, strict=True))


def cases() -> list[Case]:
    out = _scalar_cases() + _view_cases() + _fused_cases() + _binding_cases()
    ids = [c.id for c in out]
    assert len(ids) == len(set(ids)), "duplicate case ids"
    return out


# ------------------------------------------------------------------ running


def run_case(m: Any, case: Case) -> dict:
    """Calls the case; returns {"exc": name, "msg": text} or {"ok": repr}."""
    args, kwargs = case.make()
    try:
        result = getattr(m, case.func)(*args, **kwargs)
    except Exception as e:  # noqa: BLE001 - we report every exception
        return {"exc": type(e).__name__, "msg": str(e)}
    return {"ok": repr(result)[:200]}


def problems(case: Case, result: dict) -> list[str]:
    """What is wrong with a result (empty: the case passes)."""
    if "crash" in result:
        return [f"the interpreter crashed: {result['crash']}"]
    if case.exc is None:
        if "exc" in result:
            return [f"expected success, got {result['exc']}: {result['msg']}"]
        return []
    if "exc" not in result:
        return [f"expected {case.exc}, but the call returned {result['ok']}"]
    out = []
    if result["exc"] != case.exc:
        out.append(f"expected {case.exc}, got {result['exc']}: {result['msg']}")
    for needle in case.needles:
        if needle not in result["msg"]:
            out.append(f"message {result['msg']!r} lacks {needle!r}")
    return out


_CHILD = """
import json, sys
sys.path.insert(0, {here!r})
import bad_inputs_matrix as bm
{loader}
all_cases = bm.cases()
with open({report!r}, "a") as out:
    for i in range({start}, len(all_cases)):
        out.write(json.dumps({{"i": i, "started": True}}) + "\\n"); out.flush()
        res = bm.run_case(m, all_cases[i])
        res["i"] = i
        out.write(json.dumps(res) + "\\n"); out.flush()
"""


def run_in_subprocesses(
    loader: str, env: dict | None = None, timeout: float = 600
) -> dict[str, dict]:
    """Runs every case in child interpreters; returns {case id: result}.

    `loader` is Python code that binds the module to `m`. A child that dies
    marks the running case {"crash": ...} and a new child resumes after it.
    """
    all_cases = cases()
    results: dict[int, dict] = {}
    start = 0
    full_env = dict(os.environ, **(env or {}))
    with tempfile.TemporaryDirectory() as tmp:
        report = os.path.join(tmp, "report.jsonl")
        while start < len(all_cases):
            code = _CHILD.format(here=HERE, loader=loader, report=report, start=start)
            proc = subprocess.run(
                [sys.executable, "-c", code],
                env=full_env,
                capture_output=True,
                text=True,
                timeout=timeout,
            )
            running = None
            with open(report) if os.path.exists(report) else open(os.devnull) as f:
                for line in f:
                    rec = json.loads(line)
                    if rec.get("started"):
                        running = rec["i"]
                    else:
                        results[rec["i"]] = rec
                        running = None
            if proc.returncode == 0 and running is None:
                break
            if running is None:  # died before the first case: the loader failed
                raise RuntimeError(
                    f"the matrix child failed to start (exit {proc.returncode}):\n"
                    f"{proc.stdout[-2000:]}{proc.stderr[-4000:]}"
                )
            results[running] = {
                "i": running,
                "crash": f"exit status {proc.returncode}; stderr:\n{proc.stderr[-3000:]}",
            }
            start = running + 1
    return {all_cases[i].id: r for i, r in results.items()}


def main(argv: list[str]) -> int:
    """python bad_inputs_matrix.py LOADER_CODE: runs the matrix, prints a summary."""
    loader = argv[0]
    results = run_in_subprocesses(loader)
    failed = 0
    for case in cases():
        res = results.get(case.id, {"crash": "no result"})
        bad = problems(case, res)
        if bad:
            failed += 1
            print(f"FAIL {case.id}: " + "; ".join(bad))
    print(
        json.dumps(
            {
                "cases": len(cases()),
                "failed": failed,
                "crashed": sum(1 for r in results.values() if "crash" in r),
            }
        )
    )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
