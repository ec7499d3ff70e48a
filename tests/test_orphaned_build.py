"""Issue 14, "also noted": an importing process killed by SIGKILL mid-build
leaves no compiler or ninja running (ninja is told by the kernel that its
parent died, and stops the compilers it started)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from conftest import needs_core

pytestmark = needs_core

IMPORT = """
import sys
sys.path.insert(0, {src!r})
import cxximport
cxximport.install()
import orphan_mod
"""


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def _processes_in(directory: Path) -> list[int]:
    """Live processes whose working directory is under directory (ninja and
    the compilers run in the build directory inside the cache)."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            cwd = os.readlink(f"/proc/{entry}/cwd")
        except OSError:
            continue
        if cwd.startswith(str(directory)) and _alive(int(entry)):
            found.append(int(entry))
    return found


def test_killing_the_importer_mid_build_leaves_no_compiler_running(tmp_path, cache_dir):
    src = tmp_path / "src"
    src.mkdir()
    (src / "orphan_mod.cxxpyx").write_text("PYX_EXPORT int value() { return 1; }\n")
    started = tmp_path / "compiler-started"
    # A compiler that takes a minute: records its pid, then sleeps (as itself).
    launcher = tmp_path / "slow-compiler.sh"
    launcher.write_text(f"#!/bin/sh\necho $$ > {started}\nexec sleep 60\n")
    launcher.chmod(0o755)
    env = dict(os.environ, CXXIMPORT_COMPILER_LAUNCHER=str(launcher))
    importer = subprocess.Popen(
        [sys.executable, "-c", IMPORT.format(src=str(src))],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 120
        while not (started.exists() and started.read_text().strip()):
            assert importer.poll() is None, "the import ended before compiling"
            assert time.monotonic() < deadline, "the compiler never started"
            time.sleep(0.05)
        compiler = int(started.read_text())
        builders = _processes_in(cache_dir)
        assert compiler in builders and len(builders) >= 2  # ninja and the compiler
        importer.send_signal(signal.SIGKILL)
        importer.wait()
        deadline = time.monotonic() + 10
        while any(_alive(p) for p in builders) and time.monotonic() < deadline:
            time.sleep(0.05)
        survivors = [p for p in builders if _alive(p)]
        assert not survivors, f"orphaned build processes: {survivors}"
    finally:
        if importer.poll() is None:
            importer.kill()
        for p in _processes_in(cache_dir):
            os.kill(p, signal.SIGKILL)
