"""Hostile and careless sources through the scanner (`_core.scan`, in
process): deep nesting, long chains of comparisons, undecodable bytes,
reserved export names and the declarations the scanner used to misread.
Each error must be a clean ScanError naming file:line, never a crash."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import time

import pytest
from conftest import needs_core

pytestmark = needs_core


def scan(tmp_path, text, name="m.cxxpyx"):
    from cxximport import _core

    path = tmp_path / name
    path.write_bytes(text if isinstance(text, bytes) else text.encode())
    return _core.scan(str(path))


def scan_error(tmp_path, text, name="m.cxxpyx"):
    from cxximport import _core

    with pytest.raises(_core.ScanError) as info:
        scan(tmp_path, text, name)
    return str(info.value)


# -- defect 3: nesting -------------------------------------------------------


@pytest.mark.parametrize("brackets", ["()", "[]", "{}", "<>"])
def test_deep_nesting_is_a_scan_error_not_a_crash(tmp_path, brackets):
    # 100,000 levels used to overflow the C stack (SIGSEGV); run it in a child
    # so a regression fails this test instead of killing pytest.
    op, cl = brackets
    inner = {"()": "1", "[]": "1", "{}": "1", "<>": "int"}[brackets]
    head = "std::vector" if op == "<" else ""
    nested = (head + op) * 100_000 + inner + cl * 100_000
    if op == "<":
        source = f"\nPYX_EXPORT int f({nested} x) {{ return 0; }}\n"
    else:
        source = f"\nPYX_EXPORT int f(int x = {nested}) {{ return 0; }}\n"
    path = tmp_path / "deep.cxxpyx"
    path.write_text(source)
    code = textwrap.dedent(
        f"""
        from cxximport import _core
        try:
            _core.scan({str(path)!r})
        except _core.ScanError as e:
            print("ScanError:", e)
        """
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert f"ScanError: {path}:2:" in proc.stdout
    assert "nesting too deep" in proc.stdout


def test_unclosed_deep_nesting_is_a_scan_error(tmp_path):
    message = scan_error(tmp_path, "\nPYX_EXPORT int f(int x = " + "(" * 100_000 + ") {}\n")
    assert message.startswith(f"{tmp_path / 'm.cxxpyx'}:2:")
    message = scan_error(tmp_path, "namespace a {\n" * 300 + "PYX_EXPORT int f();\n")
    assert "nesting too deep" in message


def test_nesting_up_to_the_limit_scans(tmp_path):
    nested = "(" * 200 + "1" + ")" * 200
    result = scan(tmp_path, f"PYX_EXPORT int f(int x = {nested}) {{ return x; }}\n")
    assert result["exports"][0]["params"][0]["default"] == nested


# -- defect 6: unmatched '<' --------------------------------------------------


def comparisons(n):
    return " && ".join(f"a{i} < b{i}" for i in range(n))


def test_a_thousand_comparisons_scan_in_linear_time(tmp_path):
    # 22 comparisons took 2.4 s and every two more x4: exponential matching.
    source = (
        f"PYX_EXPORT int f(bool x = {comparisons(1000)}, int y = 2) {{ return x; }}\n"
        f"constexpr bool k = {comparisons(1000)};\n"
        f"int g() {{ return {comparisons(1000)}; }}\n"
    )
    start = time.perf_counter()
    result = scan(tmp_path, source)
    elapsed = time.perf_counter() - start
    params = result["exports"][0]["params"]
    assert [p["name"] for p in params] == ["x", "y"]
    assert params[0]["default"] == comparisons(1000)
    assert elapsed < 5.0, f"1,000 comparisons took {elapsed:.2f} s"


def test_templates_still_read_as_templates_beside_comparisons(tmp_path):
    source = (
        "PYX_EXPORT std::vector<std::pair<int, int>> f(bool p = a < b, "
        "std::array<int, 3> q = {}, bool r = (c > d)) { return {}; }\n"
    )
    params = scan(tmp_path, source)["exports"][0]["params"]
    assert [(p["type"], p["name"], p["default"]) for p in params] == [
        ("bool", "p", "a < b"),
        ("std::array<int, 3>", "q", "{}"),
        ("bool", "r", "(c > d)"),
    ]
