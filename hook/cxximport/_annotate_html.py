"""The annotate report as one self-contained HTML file: inline CSS and a few
lines of inline JS (expand/collapse all), no network, works from ``file://``.

Each source line is a ``<details>`` element when there is something to
expand (machine code, the wrapper of an export, the verdicts of each fused
instance), so a click opens it even where scripts do not run (Jupyter output,
strict browsers). Stable hooks for tests and tools: ``id="L<n>"`` per line,
``data-heat`` (``python`` / ``scalar``), ``data-status`` (the line's loop
verdicts), ``pre.asm`` (machine code), ``pre.wrapper`` (generated wrapper),
``#summary``, ``#what-to-try``, ``#legend``.
"""

from __future__ import annotations

import html
import os
import pathlib
import re
from typing import Any

_CSS = """
body { font: 14px/1.4 system-ui, sans-serif; margin: 1.2em; color: #222; }
h1 { font-size: 1.3em; margin: 0 0 .4em; }
#summary { background: #f6f6f6; border: 1px solid #ddd; padding: .6em 1em; margin-bottom: 1em; }
#summary code, .flags { font: 12px monospace; word-break: break-all; }
#legend span { display: inline-block; padding: 0 .6em; margin-right: .8em; border: 1px solid #ccc; }
.src { font: 13px/1.35 ui-monospace, monospace; }
.line, .line > summary { white-space: pre; }
.line > summary { list-style: none; cursor: pointer; }
.line > summary::-webkit-details-marker { display: none; }
.line > summary::before { content: "+"; color: #888; display: inline-block; width: 1em; }
details.line[open] > summary::before { content: "\\2212"; }
div.line::before { content: " "; display: inline-block; width: 1em; }
.ln { color: #999; display: inline-block; width: 3.5em; text-align: right; margin-right: 1em; }
.tag { font: 11px system-ui, sans-serif; margin-left: 1.5em; padding: 0 .4em; border-radius: 3px; }
.tag.vectorised { background: #cdeccd; } .tag.notvec { background: #f6c6c0; }
.tag.parallel { background: #c9dcf7; } .tag.py { background: #fff1a8; }
[data-heat="python"] > summary, div[data-heat="python"] { background: #fff6b8; }
[data-heat="scalar"] > summary, div[data-heat="scalar"] { background: #ffd2c8; }
.expanded { margin: .2em 0 .6em 5.5em; border-left: 3px solid #ccc; padding-left: .8em;
  white-space: normal; }
.expanded pre { font: 12px/1.3 ui-monospace, monospace; background: #fafafa; margin: .3em 0;
  padding: .4em; overflow-x: auto; max-height: 30em; }
.verdicts { margin: .2em 0; padding-left: 1.2em; }
.verdicts .raw { color: #777; font-size: 12px; }
h4 { margin: .4em 0 .1em; font-size: 12px; color: #555; }
"""

_JS = """
function setAll(open) {
  document.querySelectorAll('details.line').forEach(function (d) { d.open = open; });
}
"""

LEGEND = (
    ("python", "#fff6b8", "talks to the Python interpreter (exports, objects, allocations)"),
    ("scalar", "#ffd2c8", "hot loop left scalar: an innermost loop the compiler did not vectorise"),
)


def _e(text: Any) -> str:
    return html.escape(str(text), quote=True)


def _code_spans(text: str) -> str:
    """Escaped text with `backticks` as <code>."""
    return re.sub(r"`([^`]+)`", r"<code>\1</code>", _e(text))


def _tags(line: Any) -> str:
    tags = []
    statuses = {v.status for v in line.verdicts}
    if "parallel" in statuses:
        tags.append('<span class="tag parallel">parallel (OpenMP)</span>')
    if "vectorised" in statuses:
        widths = sorted({v.detail.split(";")[0] for v in line.verdicts if v.status == "vectorised"})
        tags.append(f'<span class="tag vectorised">vectorised ({_e(", ".join(widths))})</span>')
    if "not vectorised" in statuses:
        tags.append('<span class="tag notvec">not vectorised</span>')
    if line.export:
        tags.append(f'<span class="tag py">export {_e(line.export)}</span>')
    elif line.python:
        tags.append('<span class="tag py">Python</span>')
    return "".join(tags)


def _verdict_list(line: Any) -> str:
    if not line.verdicts and not line.inlining and not line.python:
        return ""
    items = []
    for v in line.verdicts:
        who = f"<b>{_e(v.instance)}</b>: " if v.instance else ""
        raw = "".join(f'<div class="raw">{_e(r)}</div>' for r in v.raw[:6])
        status = {"vectorised": "vectorised", "parallel": "parallel"}.get(v.status, "notvec")
        items.append(
            f'<li class="{status}" data-instance="{_e(v.instance)}">{who}loop {_e(v.status)}: '
            f"{_code_spans(v.detail)}{raw}</li>"
        )
    items += [f'<li class="inline">{_e(words)}</li>' for words in line.inlining]
    items += [f'<li class="py">{_e(why)}</li>' for why in line.python]
    return f'<ul class="verdicts">{"".join(items)}</ul>'


def _line(line: Any) -> str:
    number = line.number
    statuses = " ".join(sorted({v.status.replace(" ", "-") for v in line.verdicts}))
    attrs = f'id="L{number}" class="line" data-line="{number}"'
    if line.heat:
        attrs += f' data-heat="{line.heat}"'
    if statuses:
        attrs += f' data-status="{statuses}"'
    head = f'<span class="ln">{number}</span>{_e(line.text)}{_tags(line)}'
    parts = [_verdict_list(line)]
    if line.wrapper:
        parts.append(
            "<h4>generated wrapper (module.cpp): argument parsing, conversions, dtype dispatch</h4>"
            f'<pre class="wrapper">{_e(line.wrapper)}</pre>'
        )
    for function, code in line.asm.items():
        shown = code[:300]
        more = f"\n... {len(code) - len(shown)} more" if len(code) > len(shown) else ""
        parts.append(
            f"<h4>machine code in {_e(function)}</h4>"
            f'<pre class="asm">{_e(chr(10).join(shown) + more)}</pre>'
        )
    body = "".join(p for p in parts if p)
    if not body:
        return f"<div {attrs}>{head}</div>"
    return f'<details {attrs}><summary>{head}</summary><div class="expanded">{body}</div></details>'


_NOTHING_TO_TRY = "<li>nothing: no loop was left scalar</li>"


def _docs_href(link: str) -> str:
    """``docs/language.md#x`` as a file:// link when the docs are on this machine (a
    source checkout), so the report's links open from file:// too."""
    here = os.path.dirname(os.path.abspath(__file__))
    page, _, fragment = link.partition("#")
    for root in (os.path.join(here, os.pardir, os.pardir), here):
        path = os.path.normpath(os.path.join(root, page))
        if os.path.isfile(path):
            return pathlib.Path(path).as_uri() + "#" + fragment
    return link


def _summary(report: Any) -> str:
    counts = report.counts()
    exports = ", ".join(report.exports) or "none"
    tries = "".join(
        f'<li><a href="{_e(_docs_href(link))}">{_e(title)}</a> <small>({_e(link)})</small></li>'
        for _k, title, link in report.suggestions()
    )
    missing = (
        f'<p id="missing"><b>No optimiser verdicts:</b> {_e(report.missing)}. '
        "The source, machine code and wrappers are shown.</p>"
        if report.missing
        else ""
    )
    legend = "".join(
        f'<span style="background:{color}" data-heat="{key}">{_e(words)}</span>'
        for key, color, words in LEGEND
    )
    return f"""<div id="summary">
<div>exports: <b class="exports">{_e(exports)}</b></div>
<div>loops: <b class="n-vectorised">{counts["vectorised"]}</b> vectorised,
 <b class="n-not-vectorised">{counts["not vectorised"]}</b> not vectorised,
 <b class="n-parallel">{counts["parallel"]}</b> parallel (OpenMP)
 (fused templates: one verdict per instance)</div>
<div>target: <code>{_e(report.march())}</code>; compiler: {_e(report.compiler)}</div>
<div>flags: <span class="flags">{_e(report.flags())}</span></div>
{missing}
<div>what to try:</div><ol id="what-to-try">{tries or _NOTHING_TO_TRY}</ol>
<div id="legend">{legend}</div>
<div><button onclick="setAll(true)">expand all</button>
 <button onclick="setAll(false)">collapse all</button>
 (click a line marked + for its machine code, wrapper and verdicts)</div>
</div>"""


def render_html(report: Any) -> str:
    name = os.path.basename(report.display or report.source)
    lines = "\n".join(_line(line) for line in report.lines)
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>cxximport annotate: {_e(name)}</title>
<style>{_CSS}</style><script>{_JS}</script></head>
<body>
<h1>cxximport annotate: {_e(name)} <small>(module {_e(report.module)})</small></h1>
{_summary(report)}
<div class="src" id="source">
{lines}
</div>
</body></html>
"""


def inline_frame(document: str, height: int = 600) -> str:
    """The report inside an ``<iframe srcdoc>`` for notebook output: its CSS stays
    inside, and a notebook that does not run scripts still expands lines."""
    return (
        f'<iframe srcdoc="{_e(document)}" style="width:100%;height:{height}px;'
        'border:1px solid #ddd" sandbox="allow-scripts"></iframe>'
    )
