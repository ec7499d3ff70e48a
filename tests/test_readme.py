"""The README's shortest example is kept verbatim in tests/data/readme/ (the
CI smoke run on every Python uses those files); this checks that the README
and the copies agree and that the example runs and prints what it should."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from conftest import REPO, needs_core

DATA = REPO / "tests" / "data" / "readme"


def _readme_blocks(lang: str) -> list[str]:
    text = (REPO / "README.md").read_text()
    return re.findall(rf"```{lang}\n(.*?)```", text, flags=re.S)


def test_readme_example_files_are_the_readme_blocks():
    assert (DATA / "compute.cxxpyx").read_text() in _readme_blocks("cpp")
    assert (DATA / "run_readme.py").read_text() in _readme_blocks("python")


@needs_core
def test_readme_example_runs_and_prints_the_scaled_clip(tmp_path: Path, cache_dir: Path):
    for name in ("compute.cxxpyx", "run_readme.py"):
        (tmp_path / name).write_text((DATA / name).read_text())
    p = subprocess.run(
        [sys.executable, "run_readme.py"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert p.returncode == 0, p.stderr
    numbers = [float(x) for x in re.findall(r"[0-9.]+", p.stdout)]
    assert numbers == [6.0, 6.0, 6.0, 9.0, 12.0, 15.0, 18.0, 21.0, 24.0, 27.0, 30.0, 30.0]
