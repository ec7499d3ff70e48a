"""Typed outcomes (issue 16, point 2): the public exceptions live in
``cxximport.errors``; a lock timeout is its own type; scan errors carry
file, line and column as fields; a compile error in generated bindings is
mapped with the wrapper spans the core returns (wrappers.map), not by
generating module.cpp again."""

from __future__ import annotations

import ast
import logging
import subprocess
import sys
from pathlib import Path

import cxximport
import pytest
from conftest import needs_core
from cxximport import _errors, _loader, _options, errors

HOOK = Path(cxximport.__file__).resolve().parent

GOOD = """
PYX_EXPORT int twice(int x) { return 2 * x; }
"""

# `over` has two overloads: its generated wrapper does not compile.
BAD_BINDINGS = """
#include <map>

PYX_EXPORT int over(int x) { return x; }
int over(double x) { return 1; }
"""


def test_public_exceptions_are_defined_once_and_reexported():
    for name in ("CompileError", "NotCachedError", "CacheError", "LockTimeoutError", "OptionError"):
        cls = getattr(errors, name)
        assert getattr(cxximport, name) is cls, name
        assert cls.__module__ == "cxximport"
    # The old import paths keep working.
    assert _loader.CompileError is errors.CompileError
    assert _loader.NotCachedError is errors.NotCachedError
    assert _options.OptionError is errors.OptionError
    assert issubclass(errors.LockTimeoutError, errors.CacheError)
    assert issubclass(errors.CacheError, ImportError)


@needs_core
def test_the_core_raises_the_public_cache_errors():
    from cxximport import _core

    assert _core.CacheError is errors.CacheError
    assert _core.LockTimeoutError is errors.LockTimeoutError


def _imports(module: str) -> set[str]:
    tree = ast.parse((HOOK / f"{module}.py").read_text())
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.level == 1:
            found.add(node.module or "")
            found.update(a.name for a in node.names if node.module is None)
    return found


def test_errors_and_loader_do_not_import_each_other():
    assert "_loader" not in _imports("_errors")
    assert "_errors" not in _imports("errors") and "_loader" not in _imports("errors")
    assert _imports("errors") == set()


@pytest.mark.parametrize(
    "order",
    [
        ("cxximport._errors", "cxximport._loader"),
        ("cxximport._loader", "cxximport._errors"),
        ("cxximport.errors", "cxximport._errors"),
    ],
)
def test_modules_import_in_any_order_in_a_fresh_interpreter(order):
    code = (
        "import importlib, sys\n"
        + "".join(f"importlib.import_module({m!r})\n" for m in order)
        + (
            "from cxximport import _errors, errors\n"
            "assert _errors.CompileError is errors.CompileError\n"
        )
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr


def test_importing_errors_imports_nothing_else_of_cxximport():
    path = str(HOOK / "errors.py")
    code = (
        "import sys, importlib.util\n"
        f"spec = importlib.util.spec_from_file_location('cxx_errors', {path!r})\n"
        "m = importlib.util.module_from_spec(spec); spec.loader.exec_module(m)\n"
        "print(sorted(k for k in sys.modules if k.startswith('cxximport')))\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "[]"


@needs_core
def test_scan_error_carries_filename_line_and_column(cache_dir, write_source):
    source = write_source("scanbad.cxxpyx", "int ok;\nPYX_EXPORT void f(const T&);\n")
    with pytest.raises(cxximport.CompileError) as info:
        cxximport.build(source)
    err = info.value
    assert (err.filename, err.lineno, err.col) == (str(source), 2, 19)
    assert "\n      | " + " " * 18 + "^" in str(err)  # the caret, from the col field
    from cxximport import _core

    with pytest.raises(_core.ScanError) as raw:
        _core.scan(str(source))
    assert (raw.value.filename, raw.value.lineno, raw.value.col) == (str(source), 2, 19)


@needs_core
def test_wrapper_errors_are_mapped_with_the_cores_spans_not_a_regenerated_module(
    cache_dir, write_source, monkeypatch
):
    from cxximport import _core

    def no_generate(*args, **kwargs):
        raise AssertionError("module.cpp must not be generated again")

    monkeypatch.setattr(_core, "generate", no_generate)
    source = write_source("bindings2.cxxpyx", BAD_BINDINGS)
    captured = {}
    translate = _loader.translate_error

    def spy(exc, *args, **kwargs):
        captured["exc"] = exc
        return translate(exc, *args, **kwargs)

    monkeypatch.setattr(_loader, "translate_error", spy)
    with pytest.raises(cxximport.CompileError) as info:
        cxximport.build(source)
    assert (
        f"{source}:3:16: error: in the bindings generated for `over` (bindings2.cxxpyx:3): "
        "`over` has several overloads" in str(info.value)
    )
    assert info.value.lineno == 3
    raw = captured["exc"]
    (span,) = raw.spans
    first, last, source_line, name, path = span
    assert (source_line, name, path) == (3, "over", str(source))
    assert 0 < first <= last <= len(raw.module_cpp.splitlines())
    assert raw.module_cpp.splitlines()[first - 1].startswith("// export over (")


def _hold_lock(path: Path) -> subprocess.Popen:
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import fcntl, sys, time\n"
            f"f = open({str(path)!r}, 'a')\n"
            "fcntl.flock(f, fcntl.LOCK_EX)\n"
            "print('held', flush=True)\n"
            "time.sleep(120)\n",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout.readline().strip() == "held"
    return holder


@needs_core
def test_lock_timeout_is_its_own_type_and_the_local_wait_warns(cache_dir, write_source, caplog):
    source = write_source("locked.cxxpyx", GOOD)
    key = _loader.build(str(source), "locked", {})["key"]
    holder = _hold_lock(cache_dir / "v1" / "locks" / f"{key}.lock")
    try:
        with caplog.at_level(logging.WARNING, logger="cxximport"):
            with pytest.raises(cxximport.LockTimeoutError) as info:
                cxximport.build(source, force=True, lock_timeout=1.6)
    finally:
        holder.kill()
        holder.wait()
    err = info.value
    assert isinstance(err, cxximport.CacheError)
    assert (err.name, err.path) == ("locked", str(source))
    assert "lock_timeout option" in str(err)
    waits = [r for r in caplog.records if "waiting for another process" in r.getMessage()]
    assert len(waits) == 1 and waits[0].levelno == logging.WARNING, caplog.records


def test_the_first_wait_event_is_a_warning_later_ones_are_not(caplog):
    class NotATerminal:
        def write(self, text):
            pass

        def flush(self):
            pass

    progress = _options.Progress("/src/m.cxxpyx", stream=NotATerminal())
    with caplog.at_level(logging.INFO, logger="cxximport"):
        progress("wait", "waiting for another process (pid 1) building m (1 s)")
        progress("wait", "waiting for another process (pid 1) building m (2 s)")
    levels = [r.levelno for r in caplog.records if "waiting" in r.getMessage()]
    assert levels == [logging.WARNING, logging.INFO]


def test_formatter_reads_spans_given_by_the_core():
    spans = _errors.spans_from_core([(2, 3, 7, "f", "/src/m.cxxpyx")])
    assert spans == [_errors.ExportSpan("f", "/src/m.cxxpyx", 7, 2, 3)]
