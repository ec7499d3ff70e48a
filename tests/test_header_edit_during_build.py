"""Defect 2 of issue 14: an input edited while its module compiles must not
leave an entry that records the new content next to code compiled from the
old one. The compiler launcher below edits the header right after the
compiler read it (the race, made certain); the next import must build again."""

from __future__ import annotations

import stat
from pathlib import Path

from conftest import needs_core

pytestmark = needs_core

IMPORT = """
import json, logging, sys
logging.basicConfig(level=logging.WARNING, stream=sys.stderr, format="WARNING %(message)s")
sys.path.insert(0, {src!r})
import cxximport
cxximport.install()
import {name} as m
print(json.dumps({{"value": m.value(), "built": m.__spec__.loader_state["built"]}}))
"""

# Runs the compile, then (once) rewrites a file: as if the user saved it
# while the compiler was running, after the compiler had read it.
LAUNCHER = """#!/bin/sh
"$@"
rc=$?
case " $* " in
  *" -c "*) if [ ! -e {done} ]; then : > {done}; printf '%s\\n' '{text}' > {path}; fi ;;
esac
exit $rc
"""


def _launcher(tmp_path: Path, edited: Path, text: str) -> Path:
    script = tmp_path / "edit-while-compiling.sh"
    script.write_text(LAUNCHER.format(done=tmp_path / "edited", path=edited, text=text))
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    return script


def _import(python, src: Path, name: str, launcher: Path | None = None):
    env = {"CXXIMPORT_COMPILER_LAUNCHER": str(launcher)} if launcher else {}
    proc = python(IMPORT.format(src=str(src), name=name), env=env)
    assert proc.returncode == 0, proc.stderr
    return proc.result, proc.stderr


def test_a_header_edited_while_compiling_is_built_again_on_the_next_import(
    tmp_path, cache_dir, python
):
    src = tmp_path / "src"
    src.mkdir()
    header = src / "midvalue.hpp"
    header.write_text("#define MID_VALUE 1\n")
    (src / "midhdr.cxxpyx").write_text(
        '#include "midvalue.hpp"\nPYX_EXPORT int value() { return MID_VALUE; }\n'
    )
    launcher = _launcher(tmp_path, header, "#define MID_VALUE 2")

    first, stderr = _import(python, src, "midhdr", launcher)
    assert first == {"value": 1, "built": True}  # compiled from what it read
    assert header.read_text() == "#define MID_VALUE 2\n"
    assert "changed while midhdr was being built" in stderr and str(header) in stderr

    second, _ = _import(python, src, "midhdr")
    assert second == {"value": 2, "built": True}, "stale code served for the edited header"
    third, _ = _import(python, src, "midhdr")
    assert third == {"value": 2, "built": False}


def test_a_sources_file_edited_before_it_is_compiled_is_not_cached_under_its_old_hash(
    tmp_path, cache_dir, python
):
    """The sibling: `sources` files are hashed into the key before ninja runs,
    so an edit in between compiled new code under the old content's key."""
    src = tmp_path / "src"
    src.mkdir()
    extra = src / "midextra.cpp"
    extra.write_text("int mid_extra() { return 1; }\n")
    (src / "midsrc.cxxpyx").write_text(
        "// cxximport: sources = midextra.cpp\n"
        "int mid_extra();\nPYX_EXPORT int value() { return mid_extra(); }\n"
    )
    # This launcher edits before compiling (so the object holds the new code).
    done = tmp_path / "edited"
    script = tmp_path / "edit-before-compiling.sh"
    script.write_text(
        f'#!/bin/sh\ncase " $* " in *midextra*) if [ ! -e {done} ]; then : > {done}; '
        f"printf '%s\\n' 'int mid_extra() {{ return 2; }}' > {extra}; fi ;; esac\n"
        'exec "$@"\n'
    )
    script.chmod(0o755)
    first, stderr = _import(python, src, "midsrc", script)
    assert first["value"] == 2 and "changed while midsrc was being built" in stderr
    extra.write_text("int mid_extra() { return 1; }\n")  # what the key was computed from
    again, _ = _import(python, src, "midsrc")
    assert again == {"value": 1, "built": True}, "code of the edited file served under the old key"


def test_an_ordinary_build_is_cached(tmp_path, cache_dir, python):
    """The guard costs no hits: a header written just before the import still
    gives a cached entry."""
    src = tmp_path / "src"
    src.mkdir()
    (src / "midok.hpp").write_text("#define MID_OK 3\n")
    (src / "midok.cxxpyx").write_text(
        '#include "midok.hpp"\nPYX_EXPORT int value() { return MID_OK; }\n'
    )
    assert _import(python, src, "midok")[0] == {"value": 3, "built": True}
    assert _import(python, src, "midok")[0] == {"value": 3, "built": False}
