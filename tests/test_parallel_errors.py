"""Issue 14, defect 4: with `openmp` + `boundscheck`, an out-of-bounds access
in a parallel region is recorded for the call that made it and raised by that
call only: never by a concurrent call on another thread, never by a call back
into the module, and never lost."""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np
import pytest
import pyxtypes_build as tb
from conftest import needs_core

pytestmark = needs_core

SOURCE = Path(__file__).resolve().parent / "data" / "runtime" / "parallel_errors.cxxpyx"


@pytest.fixture(scope="module")
def m(tmp_path_factory):
    return tb.load(SOURCE, tb.shared_cache_dir(tmp_path_factory), "pyx_parallel_errors")


def _hammer(calls: list, rounds: int) -> list[str]:
    """Runs each (fn, expect) of calls `rounds` times on its own thread at
    once; returns what went wrong."""
    problems: list[str] = []
    start = threading.Barrier(len(calls))

    def run(fn, expect):
        start.wait()
        for _ in range(rounds):
            try:
                got = fn()
            except IndexError as e:
                if expect is not IndexError:
                    problems.append(f"IndexError in a good call: {e}")
            else:
                if expect is IndexError:
                    problems.append(f"a bad call returned {got!r}")
                elif not expect(got):
                    problems.append(f"a good call returned {got!r}")

    threads = [threading.Thread(target=run, args=c) for c in calls]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return problems


def test_two_nogil_threads_each_get_their_own_errors(m):
    v = np.ones(20000)
    problems = _hammer(
        [
            (lambda: m.psum(v, 0, 4), lambda r: r == 20000.0),
            (lambda: m.psum(v, 7, 4), IndexError),
        ],
        rounds=300,
    )
    assert problems == [], f"{len(problems)} of 600 calls wrong, first: {problems[:3]}"


def test_arrays_made_in_the_call_report_to_it(m):
    problems = _hammer(
        [
            (lambda: m.pfill(5000, 0), lambda a: a.shape == (5000,) and a[-1] == 4999.0),
            (lambda: m.pfill(5000, 1), IndexError),
        ],
        rounds=300,
    )
    assert problems == [], f"{len(problems)} of 600 calls wrong, first: {problems[:3]}"
    with pytest.raises(IndexError, match=r"index \(5000,\) is out of bounds for array 'array'"):
        m.pfill(5000, 1)


def test_a_call_back_into_the_module_does_not_raise_the_callers_error(m):
    inner: list = []

    def callback():
        inner.append(m.psum(np.ones(10), 0))

    with pytest.raises(IndexError, match=r"is out of bounds for array 'v' with shape \(100,\)"):
        m.bad_then_callback(np.ones(100), callback)
    assert inner == [10.0]


def test_the_callbacks_error_stays_in_the_callback(m):
    seen: list[str] = []

    def callback():
        try:
            m.psum(np.ones(10), 2)
        except IndexError as e:
            seen.append(str(e))

    assert m.callback_then_good(np.ones(100), callback) == 100.0
    assert len(seen) == 1 and "shape (10,)" in seen[0]
    # Nothing lingers for the next call on this thread.
    assert m.psum(np.ones(10), 0) == 10.0
