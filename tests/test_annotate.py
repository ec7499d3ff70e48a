"""``cxximport annotate``: golden text reports, the HTML's structure, both
compilers, a compiler without records, reuse of the import's build, the Python
API and ``%%cxx -a``. Real compiler, real ninja, real objdump."""

from __future__ import annotations

import os
import platform
import re
import shutil
from html.parser import HTMLParser
from pathlib import Path

import pytest
from conftest import needs_core

pytestmark = [
    needs_core,
    pytest.mark.skipif(shutil.which("objdump") is None, reason="objdump (binutils) is missing"),
]

GOLDEN = Path(__file__).parent / "golden" / "annotate"
X86 = platform.machine() in ("x86_64", "AMD64")


def _verdict_lines(text: str) -> str:
    """The report without the lines naming the compiler and its flags (machine details)."""
    keep = [line for line in text.splitlines() if not line.startswith(("# compiler:", "# flags:"))]
    # Why a call was not inlined is in the compiler's own words, which change between versions.
    keep = [re.sub(r"( not inlined): .*$", r"\1", line) for line in keep]
    return "\n".join(keep) + "\n"


def _gcc() -> bool:
    import subprocess

    cxx = os.environ.get("CXX", "c++")
    try:
        out = subprocess.run([cxx, "--version"], capture_output=True, text=True).stdout
    except OSError:
        return False
    return "Free Software Foundation" in out


def _check_golden(name: str, stdout: str) -> None:
    if not X86:
        return  # the golden sources pin arch = x86-64-v3
    if not _gcc():
        return  # the goldens are GCC's verdicts (CXX is not GCC)
    got = _verdict_lines(stdout)
    expected_path = GOLDEN / f"{name}.txt"
    if os.environ.get("CXXIMPORT_UPDATE_GOLDEN"):
        expected_path.write_text(got)
    assert got == expected_path.read_text()


@pytest.mark.skipif(not X86, reason="the golden sources pin arch = x86-64-v3")
@pytest.mark.parametrize("name", ["fused_sum", "parallel"])  # loops: in the HTML test
def test_text_report_matches_golden(name, cache_dir, tmp_path, cli):
    if not _gcc():
        pytest.skip("the goldens are GCC's verdicts (CXX is not GCC)")
    shutil.copy(GOLDEN / f"{name}.cxxpyx", tmp_path / f"{name}.cxxpyx")
    proc = cli("annotate", "--text", f"{name}.cxxpyx", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    _check_golden(name, proc.stdout)
    assert not (tmp_path / f"{name}.html").exists()  # --text alone writes no HTML


class _Tree(HTMLParser):
    """Elements as (tag, attrs, text inside) plus what refers outside the file."""

    def __init__(self) -> None:
        super().__init__()
        self.elements: list[tuple[str, dict[str, str]]] = []
        self.external: list[str] = []
        self.stack: list[tuple[str, dict[str, str], list[str]]] = []
        self.closed: list[tuple[str, dict[str, str], str]] = []

    def handle_starttag(self, tag, attrs):
        attrs = {k: v or "" for k, v in attrs}
        self.elements.append((tag, attrs))
        if "src" in attrs:
            self.external.append(f"{tag} src={attrs['src']}")
        if attrs.get("href", "").startswith(("http:", "https:", "//")):
            self.external.append(f"{tag} href={attrs['href']}")
        if tag == "link":
            self.external.append("link")
        self.stack.append((tag, attrs, []))

    def handle_endtag(self, tag):
        while self.stack:
            t, attrs, text = self.stack.pop()
            joined = "".join(text)
            self.closed.append((t, attrs, joined))
            if self.stack:
                self.stack[-1][2].append(joined)
            if t == tag:
                break

    def handle_data(self, data):
        if self.stack:
            self.stack[-1][2].append(data)

    def by_id(self, ident: str) -> tuple[str, dict[str, str], str]:
        return next(e for e in self.closed if e[1].get("id") == ident)


def test_html_is_self_contained_and_structured(cache_dir, tmp_path, cli):
    shutil.copy(GOLDEN / "loops.cxxpyx", tmp_path / "loops.cxxpyx")
    proc = cli("annotate", "loops.cxxpyx", "--text", "-o", "out/report.html", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    _check_golden("loops", proc.stdout)  # the text golden of the same run
    report = tmp_path / "out" / "report.html"
    assert str(report) in proc.stderr
    tree = _Tree()
    tree.feed(report.read_text())
    assert tree.external == []  # no scripts, styles, fonts or images from elsewhere
    summary = tree.by_id("summary")[2]
    for export in ("norms", "scale_checked", "scale", "apply"):
        assert export in summary
    assert "-march=x86-64-v3" in summary if X86 else "-march" in summary
    links = [a.get("href", "") for tag, a in tree.elements if tag == "a"]
    assert any(h.endswith("language.md#calls-in-loops") for h in links)
    assert any(h.endswith("language.md#bounds-checks-in-loops") for h in links)
    legend = tree.by_id("legend")
    assert "Python" in legend[2] and "scalar" in legend[2]
    # The source, one element per line, numbered.
    source = (GOLDEN / "loops.cxxpyx").read_text().splitlines()
    for n, text in enumerate(source, 1):
        tag, attrs, inner = tree.by_id(f"L{n}")
        assert inner.lstrip().startswith(str(n)) and text.strip() in inner
    # Export line: a <details> whose expansion is the generated wrapper.
    tag, attrs, inner = tree.by_id("L5")
    assert tag == "details" and attrs["data-heat"] == "python"
    assert "pyx_w_norms" in inner and "bind_args(" in inner
    # The hypot loop: not vectorised, a hot loop left scalar, with machine code.
    tag, attrs, inner = tree.by_id("L7")
    assert attrs["data-status"] == "not-vectorised" and attrs["data-heat"] == "scalar"
    assert "hypot" in inner
    asm_blocks = [e for e in tree.closed if e[0] == "pre" and "asm" in e[1].get("class", "")]
    assert asm_blocks and any("hypot" in text for _t, _a, text in asm_blocks)
    # The plain loop: vectorised; the callback: Python interaction.
    assert tree.by_id("L19")[1]["data-status"] == "vectorised"
    assert tree.by_id("L25")[1]["data-heat"] == "python"


@pytest.mark.skipif(shutil.which("clang++") is None, reason="clang++ is not installed")
def test_clang_records(cache_dir, tmp_path, cli):
    shutil.copy(GOLDEN / "fused_sum.cxxpyx", tmp_path / "fused_sum.cxxpyx")
    env = {"CXX": "clang++"}
    proc = cli("annotate", "--text", "fused_sum.cxxpyx", cwd=tmp_path, env=env)
    assert proc.returncode == 0, proc.stderr
    assert "# compiler: " in proc.stdout and "clang" in proc.stdout
    lines = proc.stdout.splitlines()
    assert any(
        line.startswith("fused_sum.cxxpyx:7: loop not vectorised: floating-point")
        and line.endswith(" [total<double>]")
        for line in lines
    ), proc.stdout
    assert any(
        line.startswith("fused_sum.cxxpyx:7: loop vectorised (")
        and line.endswith(" [total<long long>]")
        for line in lines
    ), proc.stdout


def test_compiler_without_records_still_gives_code_and_wrappers(cache_dir, tmp_path, cli):
    """A compiler that rejects -fsave-optimization-record (as GCC < 9 does)."""
    real = shutil.which("g++") or shutil.which("c++")
    wrapper = tmp_path / "oldcxx"
    wrapper.write_text(
        "#!/bin/sh\n"
        'for a in "$@"; do\n'
        '  if [ "$a" = -fsave-optimization-record ]; then\n'
        "    echo \"oldcxx: error: unrecognized command-line option '$a'\" >&2; exit 1\n"
        "  fi\n"
        "done\n"
        f'exec {real} "$@"\n'
    )
    wrapper.chmod(0o755)
    shutil.copy(GOLDEN / "loops.cxxpyx", tmp_path / "loops.cxxpyx")
    env = {"CXX": str(wrapper)}
    proc = cli("annotate", "loops.cxxpyx", "-o", "r.html", "--text", cwd=tmp_path, env=env)
    assert proc.returncode == 0, proc.stderr
    assert "# no optimiser verdicts: the compiler rejected -fsave-optimization-record" in (
        proc.stdout
    )
    assert "loop vectorised" not in proc.stdout and "loop not vectorised" not in proc.stdout
    assert "loops.cxxpyx:5: export norms" in proc.stdout
    tree = _Tree()
    tree.feed((tmp_path / "r.html").read_text())
    assert "rejected -fsave-optimization-record" in tree.by_id("missing")[2]
    assert "pyx_w_norms" in tree.by_id("L5")[2]
    assert any(e[0] == "pre" and "asm" in e[1].get("class", "") for e in tree.closed)


def test_uses_the_imports_build_and_flags(cache_dir, isolated_import, write_source):
    """Same key inputs as the import (pyproject + directives): the cached entry is
    reused, nothing new is built, and the report names the entry's flags."""
    import cxximport

    src = isolated_import.src
    (src / "pyproject.toml").write_text('[tool.cxximport]\ncxxflags = ["-DFROM_PYPROJECT=7"]\n')
    write_source(
        "kern.cxxpyx",
        """
        // cxximport: optimize = 2
        PYX_EXPORT int seven() { return FROM_PYPROJECT; }
        PYX_EXPORT void twice(pyx::cview<double, 1> a) {
            for (Py_ssize_t i = 0; i < a.shape(0); ++i) a(i) *= 2;
        }
        """,
    )
    module = isolated_import.import_module("kern")
    assert module.seven() == 7
    entry = module.__spec__.loader_state["entry_dir"]
    entries = sorted((cache_dir / "v1" / "entries").glob("*/*"))
    report = cxximport.annotate(src / "kern.cxxpyx", output=src / "kern.html")
    assert report.entry_dir == entry
    assert sorted((cache_dir / "v1" / "entries").glob("*/*")) == entries
    assert "-DFROM_PYPROJECT=7" in report.command and "-O2" in report.command
    assert (src / "kern.html").is_file() and report.html_path == str(src / "kern.html")
    line4 = report.lines[3]
    assert line4.loop and len(line4.verdicts) == 1  # at -O2, as the import compiled it
    assert "kern.cxxpyx:4: loop " in report.text()
    assert "<details" in report.html() and "iframe" in report._repr_html_()


def test_missing_file_and_compile_error_are_clear(cache_dir, tmp_path, cli):
    proc = cli("annotate", "nothere.cxxpyx", cwd=tmp_path)
    assert proc.returncode == 1 and "no such file: nothere.cxxpyx" in proc.stderr
    (tmp_path / "bad.cxxpyx").write_text("PYX_EXPORT int f() { return undefined_name; }\n")
    proc = cli("annotate", "bad.cxxpyx", cwd=tmp_path)
    assert proc.returncode == 1 and "bad.cxxpyx:1:" in proc.stderr


def test_cell_magic_shows_the_report_inline(cache_dir, tmp_path, monkeypatch):
    pytest.importorskip("IPython")
    from IPython.core.interactiveshell import InteractiveShell
    from IPython.utils.capture import capture_output

    (tmp_path / "cwd").mkdir()
    monkeypatch.chdir(tmp_path / "cwd")
    shell = InteractiveShell.instance()
    shell.run_line_magic("load_ext", "cxximport")
    cell = (
        "PYX_EXPORT void twice(pyx::cview<double, 1> a) {\n"
        "    for (Py_ssize_t i = 0; i < a.shape(0); ++i) a(i) *= 2;\n"
        "}\n"
    )
    with capture_output() as captured:
        shell.run_cell_magic("cxx", "-a", cell)
    assert callable(shell.user_ns.pop("twice"))
    # The report is one output; a build over a second also shows its progress
    # line (another output, docs/usage.md "Build progress").
    (shown,) = [
        o
        for o in captured.outputs
        if "text/html" in o.data
        and o.data.get("text/plain", "").startswith("<cxximport annotate report")
    ]
    html = shown.data["text/html"]
    assert html.startswith("<iframe srcdoc=")
    assert "id=&quot;L2&quot;" in html and "vectorised" in html
    assert shown.data["text/plain"].startswith("<cxximport annotate report of cell:")
    assert "cxximport annotate: cell" in html
    assert os.listdir(".") == []  # the report is shown, not written


def test_what_to_try_links_name_sections_of_the_language_docs():
    from cxximport import _annotate

    headings = {
        _annotate.anchor(line.lstrip("#").strip())
        for line in (Path(__file__).parent.parent / "docs" / "language.md").read_text().splitlines()
        if line.startswith("#")
    }
    for key, (title, anchor) in _annotate.DOC_SECTIONS.items():
        assert anchor in headings, (key, title)
        assert _annotate.doc_link(key) == f"docs/language.md#{anchor}"


def test_reasons_in_plain_words():
    from cxximport._annotate import explain

    gcc_fold_left = [
        "reduc op not supported by target.",
        "using an in-order (fold-left) reduction.",
    ]
    assert explain(gcc_fold_left, False, False)[1] == "reduction"
    clang_fp = ["loop not vectorized: cannot prove it is safe to reorder floating-point operations"]
    words, key = explain(clang_fp, False, False)
    assert key == "reduction" and "#pragma omp simd reduction(+:s)" in words
    words, key = explain(["statement clobbers memory: _4 = hypot (_3, _2);"], False, False)
    assert key == "calls" and "`hypot`" in words
    words, key = explain(
        ["loop not vectorized: call instruction cannot be vectorized"], False, False, ["cexp"]
    )
    assert key == "calls" and "`cexp`" in words
    assert explain(["not vectorized: control flow in loop."], True, False)[1] == "boundscheck"
    assert explain(["not vectorized: control flow in loop."], False, False)[1] == "branches"
    alias = ["versioning for alias required: can't determine dependence between a and b"]
    assert explain(alias, False, False)[1] == "aliasing"
    assert explain(["failed: evolution of base is not affine."], False, False)[1] == "strides"
