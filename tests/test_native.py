"""`native` (directive, install() option or [tool.cxximport]) tunes the
module for this machine's CPU with -march=native; the key then covers the
CPU, so an entry is never loaded on a machine it was not tuned for."""

from pathlib import Path

import cxximport
from cxximport import _core

KERNEL = """\
{directive}
PYX_EXPORT double dot(pyx::cview<const double, 1> a, pyx::cview<const double, 1> b) {{
    double s = 0;
    for (Py_ssize_t i = 0; i < a.shape(0); ++i) s += a(i) * b(i);
    return s;
}}
"""


def _flags(so_path: str) -> str:
    return (Path(so_path).parent / "build.ninja").read_text()


def test_native_directive_adds_march_native_and_changes_the_key(tmp_path, cache_dir):
    src = tmp_path / "dotk.cxxpyx"
    src.write_text(KERNEL.format(directive="// cxximport: native"))
    tuned = cxximport.build(str(src))
    assert "-march=native" in _flags(tuned)

    src.write_text(KERNEL.format(directive="// cxximport: native = false"))
    portable = cxximport.build(str(src))
    assert "-march=native" not in _flags(portable)
    assert Path(tuned).parent.parent != Path(portable).parent.parent  # different keys


def test_native_install_option_and_the_module_works(tmp_path, cache_dir, python):
    src = tmp_path / "dotk2.cxxpyx"
    src.write_text(KERNEL.format(directive=""))
    so_path = cxximport.build(str(src), native=True)
    assert "-march=native" in _flags(so_path)
    out = python(
        f"""
import sys, numpy as np, cxximport
sys.path.insert(0, {str(tmp_path)!r})
cxximport.install(native=True)
import dotk2
print(dotk2.dot(np.arange(4.0), np.ones(4)))
""",
        env={"CXXIMPORT_NO_BUILD": "1"},
    )
    assert out.stdout.strip().endswith("6.0"), out
    assert _core.cache_info(str(cache_dir))["build"] == 1  # the subprocess hit the same entry
