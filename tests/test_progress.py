"""Build progress: an in-place line on a terminal after half a second, one
line per module built when stderr is a pipe or a file, an updated output in
Jupyter, commands and ninja output with CXXIMPORT_VERBOSE=1."""

from __future__ import annotations

import io
import logging
import os
import pty
import re
import subprocess
import sys
import textwrap

import cxximport
import pytest
from conftest import needs_core
from cxximport._progress import Progress

SOURCE = """\
PYX_EXPORT int add(int a, int b) { return a + b; }
"""


class FakeTerminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_on_a_terminal_one_line_is_updated_in_place_after_half_a_second_then_erased(caplog):
    caplog.set_level(logging.INFO, logger="cxximport")
    term = FakeTerminal()
    progress = Progress("/src/compute.cxxpyx", stream=term)
    progress("building", "0.2")
    assert term.getvalue() == ""  # quick builds show nothing
    progress("building", "0.61")
    progress("building", "0.83")
    assert term.getvalue() == (
        "\rcxximport: building compute.cxxpyx ... 0.6 s"
        "\rcxximport: building compute.cxxpyx ... 0.8 s"
    )
    progress.finish({"built": True, "seconds": 0.9, "so_path": "/c/x.so"})
    width = len("cxximport: building compute.cxxpyx ... 0.8 s")
    assert term.getvalue().endswith("\r" + " " * width + "\r")
    assert not caplog.records  # the terminal line replaces the log records


def test_elsewhere_each_build_is_one_line_and_log_records(caplog):
    caplog.set_level(logging.INFO, logger="cxximport")
    stream = io.StringIO()
    progress = Progress("/src/compute.cxxpyx", stream=stream)
    for seconds in ("0.3", "0.6", "0.7", "1.5"):
        progress("building", seconds)
    progress.finish({"built": True, "seconds": 1.6, "so_path": "/c/x.so"})
    assert [r.getMessage() for r in caplog.records] == [
        "cxximport: building /src/compute.cxxpyx",
        "cxximport: built /src/compute.cxxpyx in 1.6 s",
    ]
    assert all(r.name == "cxximport" for r in caplog.records)
    assert stream.getvalue() == "cxximport: building /src/compute.cxxpyx\n"


class FakeHandle:
    def __init__(self, shown):
        self.shown = shown

    def update(self, obj):
        self.shown.append(("update", repr(obj)))


def test_in_jupyter_a_build_over_a_second_is_one_updated_output():
    shown = []

    def display(obj, display_id=False):
        assert display_id is True
        shown.append(("display", repr(obj)))
        return FakeHandle(shown)

    progress = Progress("/src/compute.cxxpyx", display=display)
    progress("building", "0.6")
    assert shown == []  # under a second: nothing
    progress("building", "1.2")
    progress("building", "2.0")
    progress.finish({"built": True, "seconds": 2.3, "so_path": "/c/x.so"})
    assert shown == [
        ("display", "cxximport: building compute.cxxpyx ... 1.2 s"),
        ("update", "cxximport: building compute.cxxpyx ... 2.0 s"),
        ("update", "cxximport: built compute.cxxpyx in 2.3 s"),
    ]


def test_commands_and_output_are_printed_only_when_verbose():
    quiet, loud = io.StringIO(), io.StringIO()
    for stream, verbose in ((quiet, False), (loud, True)):
        progress = Progress("/src/m.cxxpyx", verbose=verbose, stream=stream)
        progress("command", "c++ -c module.cpp")
        progress("output", "[1/2] CXX module.cpp\n")
    assert quiet.getvalue() == ""
    assert loud.getvalue() == "c++ -c module.cpp\n[1/2] CXX module.cpp\n"


def test_a_broken_stream_never_breaks_the_build():
    class Broken(FakeTerminal):
        def write(self, s):
            raise OSError("gone")

    progress = Progress("/src/m.cxxpyx", stream=Broken())
    progress("building", "0.9")  # does not raise
    progress("wait", "waiting for another process")


def use_a_slow_compiler(tmp_path, monkeypatch) -> None:
    """A build quicker than Progress.DELAY rightly shows nothing, and a small
    module compiles that fast on a quick machine: a compiler that waits a
    second before compiling makes the build long enough on any machine."""
    slow_cxx = tmp_path / "slow-g++"
    slow_cxx.write_text('#!/bin/sh\ncase " $* " in *" -c "*) sleep 1 ;; esac\nexec g++ "$@"\n')
    slow_cxx.chmod(0o755)
    monkeypatch.setenv("CXX", str(slow_cxx))


@needs_core
def test_a_real_build_logs_its_progress(cache_dir, tmp_path, caplog, monkeypatch):
    use_a_slow_compiler(tmp_path, monkeypatch)
    caplog.set_level(logging.INFO, logger="cxximport")
    source = tmp_path / "logged.cxxpyx"
    source.write_text(SOURCE)
    cxximport.build(source)
    messages = [r.getMessage() for r in caplog.records if r.name == "cxximport"]
    assert messages[0] == f"cxximport: building {source}"
    assert re.fullmatch(rf"cxximport: built {re.escape(str(source))} in \d+\.\d s", messages[-1])


def _run_on_a_pty(code: str, cwd) -> str:
    """Runs code in a new interpreter whose stderr is a pseudo-terminal;
    returns everything written to it."""
    master, slave = pty.openpty()
    proc = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(code)],
        cwd=cwd,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=slave,
    )
    os.close(slave)
    chunks = []
    while True:
        try:
            data = os.read(master, 4096)
        except OSError:  # EIO: the child closed its end
            break
        if not data:
            break
        chunks.append(data)
    proc.wait(timeout=600)
    os.close(master)
    assert proc.returncode == 0, b"".join(chunks).decode(errors="replace")
    return b"".join(chunks).decode()


@needs_core
def test_on_a_real_terminal_the_line_is_shown_and_erased(cache_dir, tmp_path, monkeypatch):
    use_a_slow_compiler(tmp_path, monkeypatch)
    (tmp_path / "tty_mod.cxxpyx").write_text(SOURCE)
    out = _run_on_a_pty(
        """
        import sys, cxximport
        sys.path.insert(0, ".")
        cxximport.install()
        import tty_mod
        assert tty_mod.add(2, 3) == 5
        """,
        cwd=tmp_path,
    )
    shown = re.findall(r"\r(cxximport: building tty_mod\.cxxpyx \.\.\. \d+\.\d s)", out)
    assert shown, repr(out)
    assert out.endswith("\r" + " " * len(shown[-1]) + "\r")


@needs_core
def test_verbose_prints_the_commands_and_ninja_output(cache_dir, tmp_path, python):
    (tmp_path / "loud.cxxpyx").write_text(SOURCE)
    proc = python(
        """
        import sys, cxximport
        sys.path.insert(0, ".")
        cxximport.install()
        import loud
        """,
        cwd=tmp_path,
        env={"CXXIMPORT_VERBOSE": "1"},
    )
    assert proc.returncode == 0, proc.stderr
    assert re.search(r"\S+ .*-c module\.cpp -o module\.o", proc.stderr)  # the compile command
    assert "[1/2]" in proc.stderr  # ninja's own output
    assert "cxximport: loud.cxxpyx: built in" in proc.stderr
    quiet = python(
        "import sys, cxximport; sys.path.insert(0, '.'); cxximport.install(); import loud",
        cwd=tmp_path,
    )
    assert quiet.returncode == 0 and quiet.stderr == ""


@needs_core
def test_with_stderr_a_pipe_each_module_built_is_one_line(cache_dir, tmp_path, python):
    (tmp_path / "piped_a.cxxpyx").write_text(SOURCE)
    (tmp_path / "piped_b.cxxpyx").write_text(SOURCE.replace("add", "sub"))
    code = "import sys, cxximport; sys.path.insert(0, '.'); cxximport.install()\n"
    code += "import piped_a, piped_b"
    proc = python(code, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr.splitlines() == [
        f"cxximport: building {tmp_path / 'piped_a.cxxpyx'}",
        f"cxximport: building {tmp_path / 'piped_b.cxxpyx'}",
    ]
    again = python(code, cwd=tmp_path)  # cache hits: nothing to say
    assert again.returncode == 0 and again.stderr == ""


@needs_core
def test_in_an_ipython_kernel_a_real_build_shows_and_updates_one_output(
    cache_dir, tmp_path, monkeypatch, python
):
    """Jupyter without a browser: an IPython shell that is not a terminal one,
    its display publications captured (IPython.utils.capture)."""
    pytest.importorskip("IPython")
    use_a_slow_compiler(tmp_path, monkeypatch)
    (tmp_path / "nb_mod.cxxpyx").write_text(SOURCE)
    proc = python(
        """
        import sys
        from IPython.core.interactiveshell import InteractiveShell
        from IPython.utils.capture import capture_output
        InteractiveShell.instance()
        import cxximport
        sys.path.insert(0, ".")
        cxximport.install()
        with capture_output() as captured:
            import nb_mod
        for out in captured.outputs:
            print(out.data["text/plain"])
        """,
        cwd=tmp_path,
    )
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert lines and all(line.startswith("cxximport: ") for line in lines), lines
    assert re.fullmatch(r"cxximport: building nb_mod\.cxxpyx \.\.\. \d+\.\d s", lines[0])
    assert re.fullmatch(r"cxximport: built nb_mod\.cxxpyx in \d+\.\d s", lines[-1])
    assert "cxximport: building" not in proc.stderr  # not also the pipe's line
