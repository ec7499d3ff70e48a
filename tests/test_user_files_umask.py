"""Files cxximport writes for the user (`.pyi` stubs, compile_commands.json)
get the permissions the user's umask gives any new file, and keep the mode
of a file they replace (issue 16, point 4); the cache's own files stay
private."""

from __future__ import annotations

import os
import stat

import pytest
from conftest import needs_core

pytestmark = needs_core

RUN = """
import os, sys
os.umask({umask})
from cxximport.cli import main
sys.exit(main({argv!r}))
"""


def _mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


@pytest.mark.parametrize("umask,expected", [(0o027, 0o640), (0o022, 0o644), (0o077, 0o600)])
def test_stub_and_compile_commands_follow_the_umask(umask, expected, tmp_path, cache_dir, python):
    source = tmp_path / "mod.cxxpyx"
    source.write_text("PYX_EXPORT int value() { return 1; }\n")
    for argv in (["stubgen", str(source)], ["ide", str(source)]):
        proc = python(RUN.format(umask=umask, argv=argv), cwd=tmp_path)
        assert proc.returncode == 0, proc.stderr
    assert _mode(tmp_path / "mod.pyi") == expected
    assert _mode(tmp_path / "compile_commands.json") == expected


def test_a_replaced_file_keeps_its_mode(tmp_path):
    from cxximport._files import write_atomic

    path = tmp_path / "compile_commands.json"
    path.write_text("[]\n")
    os.chmod(path, 0o664)
    old = os.umask(0o077)
    try:
        write_atomic(str(path), "[1]\n")
    finally:
        os.umask(old)
    assert path.read_text() == "[1]\n"
    assert _mode(path) == 0o664
    assert [p.name for p in tmp_path.iterdir()] == ["compile_commands.json"]
