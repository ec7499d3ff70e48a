"""Issue 9, point 8: a C++ exception thrown inside an OpenMP construct of
plain user code (no pyx::parallel_guard) becomes the call's Python exception
right after the region, instead of std::terminate killing the interpreter.
The calls run in subprocesses: a regression terminates them, not the test run."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import cxximport
import pytest
from conftest import needs_core

pytestmark = needs_core

SOURCE = Path(__file__).resolve().parent / "data" / "runtime" / "omp_exceptions.cxxpyx"


@pytest.fixture(scope="module")
def cache(tmp_path_factory):
    root = tmp_path_factory.mktemp("omp-exceptions-cache")
    # Built once here; each subprocess loads the cached module.
    out = _run(root, "print(m.pfor(10, -1, 0))")
    assert out.returncode == 0, out.stderr[-3000:]
    return root


def _run(cache_root: Path, body: str) -> subprocess.CompletedProcess:
    script = (
        "import sys, cxximport, numpy as np\n"
        f"m = cxximport.load({str(SOURCE)!r}, module='omp_exceptions')\n"
        "def raises(exc, match, f, *args):\n"
        "    try:\n"
        "        f(*args)\n"
        "    except exc as e:\n"
        "        assert match in str(e), (exc, str(e))\n"
        "    else:\n"
        "        raise AssertionError(f'no {exc.__name__} from {f.__name__}{args}')\n"
        + textwrap.dedent(body)
    )
    env = {
        **os.environ,
        "CXXIMPORT_CACHE_DIR": str(cache_root),
        "OMP_NUM_THREADS": "2",
    }
    return subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=600, env=env
    )


def check(cache, body: str) -> str:
    out = _run(cache, body + "\nprint('survived')\n")
    assert out.returncode == 0, f"exit {out.returncode}: {out.stderr[-3000:]}"
    assert out.stdout.strip().endswith("survived")
    return out.stdout


def test_invalid_argument_in_parallel_for_is_value_error_and_the_next_call_works(cache):
    check(
        cache,
        """
        raises(ValueError, "bad element 7", m.pfor, 1000, 7, 0)
        assert m.pfor(100, -1, 0) == 4950.0
        """,
    )


def test_runtime_error_is_runtime_error(cache):
    check(cache, 'raises(RuntimeError, "runtime 3", m.pfor, 1000, 3, 1)')


def test_raised_after_the_region_before_later_statements(cache):
    check(
        cache,
        """
        before = m.after_region_count()
        raises(ValueError, "bad element 999", m.pfor, 1000, 999, 0)
        assert m.after_region_count() == before, "the statement after the region ran"
        m.pfor(10, -1, 0)
        assert m.after_region_count() == before + 1
        """,
    )


def test_collapse_2(cache):
    check(
        cache,
        """
        raises(ValueError, "collapsed 3,4", m.collapsed, 10, 34)
        assert m.collapsed(10, -1) == 100.0
        """,
    )


def test_bare_parallel_block(cache):
    check(
        cache,
        """
        raises(ValueError, "bare block", m.bare, 1)
        assert m.bare(0) == 2
        """,
    )


def test_single_task_and_nested_for_inside_parallel(cache):
    check(
        cache,
        """
        raises(ValueError, "in single", m.worksharing, 100, -2)
        raises(ValueError, "in nested for 42", m.worksharing, 100, 42)
        raises(ValueError, "in task", m.worksharing, 100, -3)
        assert m.worksharing(100, -1) == 100
        """,
    )


def test_critical_inside_parallel_for(cache):
    check(
        cache,
        """
        raises(OverflowError, "in critical", m.in_critical, 5)
        assert m.in_critical(-1) == 8
        """,
    )


def test_sections_and_ordered(cache):
    check(
        cache,
        """
        raises(ValueError, "in the first section", m.in_sections, 0)
        raises(ValueError, "in the second section", m.in_sections, 1)
        assert m.in_sections(-1) == 2
        raises(ValueError, "in ordered 9", m.in_ordered, 9)
        assert m.in_ordered(-1) == 15
        """,
    )


def test_orphaned_for_in_a_function_called_from_a_parallel_block(cache):
    check(
        cache,
        """
        raises(ValueError, "in an orphaned for", m.orphaned, 100, 50)
        m.orphaned(100, -1)
        """,
    )


def test_if_without_braces_then_pragma_then_else(cache):
    check(
        cache,
        """
        raises(ValueError, "if branch", m.branch, True, 3)
        assert m.branch(True, -1) == 0 and m.branch(False, 3) == 1
        """,
    )


def test_out_of_bounds_in_the_same_region_still_reports(cache):
    check(
        cache,
        """
        v = np.ones(100)
        oob = "index (100,) is out of bounds for array 'v' with shape (100,)"
        raises(IndexError, oob, m.mixed, v, 1, -1)
        raises(ValueError, "thrown at 0", m.mixed, v, 0, 0)
        assert m.mixed(v, 0, -1) == 100.0
        """,
    )


def test_no_leak_over_many_failing_calls(cache):
    check(
        cache,
        """
        def rss_mb():
            with open("/proc/self/statm") as f:
                return int(f.read().split()[1]) * 4096 / 2**20
        def fail(k):
            for _ in range(k):
                try:
                    m.pfor(64, 5, 0)
                except ValueError:
                    pass
                try:
                    m.worksharing(64, 9)
                except ValueError:
                    pass
        fail(2000)
        before = rss_mb()
        fail(20000)
        grown = rss_mb() - before
        assert grown < 8, f"resident memory grew by {grown:.1f} MB over 40000 failing calls"
        """,
    )


def test_throw_that_would_skip_a_barrier_is_reported_with_its_line(cache):
    out = _run(cache, "m.synchronised(1)")
    assert out.returncode != 0
    lines = SOURCE.read_text().splitlines()
    line = lines.index("PYX_EXPORT void synchronised(int bad) {") + 2  # the pragma, 1-based
    assert (
        f"cxximport: {SOURCE}:{line}: an exception (before the barrier) left the OpenMP construct"
        in out.stderr
    )
    assert "waiting there forever" in out.stderr
    assert _run(cache, "m.synchronised(0); print('ok')").stdout.strip() == "ok"


def test_compile_error_after_a_rewritten_pragma_keeps_its_line(isolated_import, write_source):
    source = write_source(
        "ompbroken.cxxpyx",
        """
        // cxximport: openmp
        PYX_EXPORT double total(Py_ssize_t n) {
          double s = 0;
          #pragma omp parallel for \\
              reduction(+:s)
          for (Py_ssize_t i = 0; i < n; ++i) s += i;
          return s + undefined_name;
        }
        """,
    )
    with pytest.raises(cxximport.CompileError) as info:
        isolated_import.import_module("ompbroken")
    assert info.value.lineno == 7  # the line of `return`, after the two-line pragma
    assert f"{source}:7:" in str(info.value)
    assert "undefined_name" in str(info.value)
