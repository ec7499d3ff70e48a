"""``cxximport annotate --text``: the report as compiler-style lines.

    kernel.cxxpyx:12: loop vectorised (256-bit, AVX2)
    kernel.cxxpyx:20: loop not vectorised: ... [compute<long long>]

Lines starting with ``#`` describe the build (compiler, flags); they are the
only ones that depend on the machine, which keeps the rest comparable.
"""

from __future__ import annotations

import os
from typing import Any


def _label(line: Any, instance: str) -> str:
    """`` [compute<int>]`` after a fused instance's verdict, so every verdict line
    still starts ``file:line: loop ...`` as compilers write theirs."""
    several = len({v.instance for v in line.verdicts if v.instance}) > 1
    return f" [{instance}]" if instance and (several or "<" in instance) else ""


def render_text(report: Any) -> str:
    name = getattr(report, "display", "") or os.path.relpath(report.source)
    out = [
        f"# {name}: module {report.module}",
        f"# compiler: {report.compiler}",
        f"# flags: {report.flags()}",
    ]
    if report.missing:
        out.append(f"# no optimiser verdicts: {report.missing}")
    for line in report.lines:
        where = f"{name}:{line.number}:"
        if line.export:
            out.append(f"{where} export {line.export}: Python wrapper (arguments, conversions)")
        for why in line.python:
            out.append(f"{where} Python interaction: {why}")
        for v in line.verdicts:
            label = _label(line, v.instance)
            if v.status == "vectorised":
                out.append(f"{where} loop vectorised ({v.detail}){label}")
            elif v.status == "parallel":
                out.append(f"{where} loop parallelised ({v.detail})")
            else:
                out.append(f"{where} loop not vectorised: {v.detail}{label}")
        for words in line.inlining:
            out.append(f"{where} {words}")
    counts = report.counts()
    out.append(
        f"# summary: {len(report.exports)} export(s); loops: {counts['vectorised']} vectorised, "
        f"{counts['not vectorised']} not vectorised, {counts['parallel']} parallel"
    )
    for _key, title, link in report.suggestions():
        out.append(f"# try: {title} ({link})")
    return "\n".join(out) + "\n"
