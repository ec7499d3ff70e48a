"""``cxximport demo --annotate``: the six steps' reports tell the seed's story,
and the final kernel's report works in a real browser (headless Chromium,
driven over the DevTools protocol on a pipe: tests/cdp.py)."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from conftest import EXAMPLES, needs_core, run_cli
from cxximport import demo

pytestmark = [
    needs_core,
    pytest.mark.skipif(shutil.which("objdump") is None, reason="objdump (binutils) is missing"),
]


@pytest.fixture
def demo_run(tmp_path):
    """One quick demo run with --annotate into a private cache and report directory."""
    root = tmp_path / "demo"
    root.mkdir()
    reports = root / "reports"
    proc = run_cli(
        "demo",
        "--quick",
        "--repeat",
        "1",
        "--examples",
        str(EXAMPLES),
        "--cache-dir",
        str(root / "cache"),
        "--annotate",
        "--annotate-dir",
        str(reports),
        cwd=root,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc, reports


def _story(stdout: str, step: str) -> str:
    m = re.search(rf"^  {step}\s+(.*)$", stdout, re.M)
    assert m, stdout
    return m.group(1)


def test_demo_annotate_tells_the_story_and_renders_in_chromium(demo_run, tmp_path):
    """One test (the demo run is the costly part; under xdist a module fixture would
    run once per worker)."""
    _writes_six_reports_and_prints_where(*demo_run)
    _reports_tell_the_seeds_story(*demo_run)
    _final_kernel_report_in_headless_chromium(demo_run[1], tmp_path)


def _writes_six_reports_and_prints_where(proc, reports):
    assert f"annotated reports (cxximport annotate), in {reports.resolve()}" in proc.stdout
    for step in demo.STEPS:
        report = reports / f"{step.name}.html"
        assert report.is_file()
        assert str(report.resolve()) in proc.stdout
    # The table comes first, the reports after it.
    assert proc.stdout.index("vs NumPy") < proc.stdout.index("annotated reports")


def _reports_tell_the_seeds_story(proc, reports):
    typed = _story(proc.stdout, "compute_typed")
    assert "0 loop(s) vectorised" in typed and "Bounds checks in loops" in typed
    html = (reports / "compute_typed.html").read_text()
    assert "bounds checks: <code>.at()</code> checks every index" in html
    contiguous = _story(proc.stdout, "compute_contiguous")
    assert re.match(r"[1-9]\d* loop\(s\) vectorised, 0 not vectorised", contiguous)
    prange = _story(proc.stdout, "compute_prange")
    assert prange.endswith("1 parallel") and prange.startswith("3 loop(s) vectorised")
    html = (reports / "compute_prange.html").read_text()
    assert 'data-status="parallel"' in html and "#pragma omp parallel for" in html


# --------------------------------------------------------------------------
# The browser.


def _browser():
    from cdp import find_browser

    path = find_browser()
    if path is None:
        pytest.skip(
            "no Chromium: install Debian's `chromium` (scripts/setup-test-system.sh does); "
            "the browser test cannot run without it"
        )
    return path


def _visible(element: str) -> str:
    """JS: whether the element is rendered (closed <details> content is not)."""
    return (
        f"(e => e.checkVisibility ? e.checkVisibility() : e.getClientRects().length > 0)({element})"
    )


def _final_kernel_report_in_headless_chromium(reports, tmp_path):
    from cdp import Browser

    report = reports / "compute_prange.html"
    source = (EXAMPLES / "compute_prange.cxxpyx").read_text().splitlines()
    inner = 1 + next(i for i, t in enumerate(source) if "for (Py_ssize_t y" in t)
    export = 1 + next(i for i, t in enumerate(source) if "PYX_EXPORT" in t)
    browser = Browser(_browser(), str(tmp_path / "profile"))
    try:
        browser.open(report.as_uri())
        js = f"document.getElementById('L{inner}')"
        # The inner loop is marked vectorised, for each fused instance.
        assert browser.evaluate(f"{js}.dataset.status") == "vectorised"
        tag = browser.evaluate(f"{js}.querySelector('summary .tag.vectorised').textContent")
        assert tag.startswith("vectorised (") and "bit" in tag
        # Closed at first: its machine code is not rendered.
        assert browser.evaluate(f"{js}.open") is False
        assert browser.evaluate(_visible(f"{js}.querySelector('pre.asm')")) is False
        # A click on the line expands its machine code.
        browser.evaluate(f"{js}.querySelector('summary').click()")
        assert browser.evaluate(f"{js}.open") is True
        assert browser.evaluate(_visible(f"{js}.querySelector('pre.asm')")) is True
        assert browser.evaluate(f"{js}.querySelector('pre.asm').textContent").strip()
        # The loop's body line holds its vector arithmetic.
        body = f"document.getElementById('L{inner + 1}')"
        browser.evaluate(f"{body}.querySelector('summary').click()")
        asm = browser.evaluate(f"{body}.querySelector('pre.asm').textContent")
        assert re.search(r"\bv\w+\s+[yz]mm", asm), asm[:500]
        # The export line expands to its generated wrapper.
        ex = f"document.getElementById('L{export}')"
        assert browser.evaluate(f"{ex}.dataset.heat") == "python"
        browser.evaluate(f"{ex}.querySelector('summary').click()")
        wrapper = browser.evaluate(f"{ex}.querySelector('pre.wrapper').textContent")
        assert "pyx_w_compute" in wrapper and "matches<&::compute<double>>" in wrapper
        assert browser.evaluate(_visible(f"{ex}.querySelector('pre.wrapper')")) is True
        # The OpenMP loop and the summary.
        assert browser.evaluate(f"document.getElementById('L{inner - 1}').dataset.status") == (
            "parallel"
        )
        assert browser.evaluate("document.querySelector('#summary .n-parallel').textContent") == "1"
        browser.evaluate(f"{ex}.scrollIntoView()")
        shot = browser.screenshot(str(tmp_path / "compute_prange.png"))
    finally:
        browser.close()
    data = Path(shot).read_bytes()
    assert data.startswith(b"\x89PNG") and len(data) > 10_000
