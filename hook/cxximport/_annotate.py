"""``cxximport annotate``: what the compiler did with each line of a ``.cxxpyx``.

The module is first built exactly as an import builds it (``_loader.build``:
the same options, directives and ``arch``, hence the same key; a cached entry
is reused). The report then recompiles that entry's ``module.cpp`` with the
entry's own compiler and ``cxxflags`` (read from its ``build.ninja``, so no
flag is computed twice) plus what the report needs: ``-g`` for line tables and
``-fsave-optimization-record``, into a private temporary directory. It reads
the optimisation records (``_optrecords``), the machine code per line
(``objdump -dl``), the wrappers' spans (``wrappers.map``) and the source
(``_annotate_scan``), and gives a :class:`Report` (``text()``, ``html()``).
"""

from __future__ import annotations

import os
import platform
import re
import shlex
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from . import _annotate_scan as scan
from . import _optrecords as records
from ._annotate_build import (
    compile_with_records,
    compiler_family,
    entry_command,
    machine_code,
    wrappers_of,
)

# Not-vectorised reasons in plain words: (pattern over the compiler's words,
# key, explanation). The key names the docs/language.md section (DOC_SECTIONS).
_REASONS = (
    (
        r"fold-left|in-order|reorder floating-point|unsafe fp math|reassociat",
        "reduction",
        "floating-point reduction: vectorising it reorders the additions, which the compiler "
        "may not do by itself; write `#pragma omp simd reduction(+:s)` (with the openmp "
        "directive)",
    ),
    (
        r"clobbers memory|call instruction|function calls|calls to ",
        "calls",
        "a function call in the loop{call}: it is not inlined and has no vector version",
    ),
    (
        r"control flow|number of loop iterations|number of iterations cannot|multiple exits|"
        r"early exit|loop control flow",
        "branches",
        "control flow in the loop (a branch or an exit the vectoriser cannot turn into "
        "vector code)",
    ),
    (
        r"bad data dependence|dependence distance|used outside the loop|loop-carried|"
        r"unsafe dependen",
        "dependence",
        "a loop-carried dependence: an iteration needs the result of an earlier one",
    ),
    (
        r"alias|can't determine dependence|cannot identify array bounds|runtime pointer",
        "aliasing",
        "possible aliasing: the compiler cannot prove the arrays do not overlap; use "
        "`pyx::cview` parameters or `__restrict` pointers",
    ),
    (
        r"not affine|bad data references|gather|non-consecutive|access pattern|strided",
        "strides",
        "the memory access is not a plain contiguous stride; use `pyx::cview` (C-contiguous) "
        "views in hot loops",
    ),
    (
        r"not profitable|not beneficial|cost model",
        "profitability",
        "the compiler judged vector code not worth it here (little work per iteration)",
    ),
)

# key -> section title in docs/language.md (under "Reading an annotate report").
DOC_TITLES = {
    "reduction": "Reductions: #pragma omp simd reduction",
    "aliasing": "Aliasing: cview and __restrict",
    "calls": "Calls in loops",
    "branches": "Branches in loops",
    "boundscheck": "Bounds checks in loops",
    "strides": "Strided views in loops",
    "dependence": "Loop-carried dependences",
    "profitability": "Loops left scalar on purpose",
    "openmp-off": "OpenMP pragmas need the openmp directive",
}


def anchor(title: str) -> str:
    """The anchor GitHub (and most Markdown renderers) give a heading."""
    return re.sub(r"[^\w\- ]", "", title.lower()).replace(" ", "-")


DOC_SECTIONS = {key: (title, anchor(title)) for key, title in DOC_TITLES.items()}
DOCS_PAGE = "docs/language.md"


def doc_link(key: str) -> str:
    return f"{DOCS_PAGE}#{DOC_SECTIONS[key][1]}"


@dataclass
class Verdict:
    """One loop (or pragma) of one function instance."""

    instance: str
    status: str  # "vectorised", "not vectorised", "parallel"
    detail: str  # plain words: width/ISA, or the reason
    key: str = ""  # DOC_SECTIONS key of the reason
    raw: list[str] = field(default_factory=list)  # the compiler's words


@dataclass
class Line:
    number: int
    text: str
    verdicts: list[Verdict] = field(default_factory=list)
    inlining: list[str] = field(default_factory=list)
    python: list[str] = field(default_factory=list)
    asm: dict[str, list[str]] = field(default_factory=dict)  # function -> instructions
    export: str = ""  # exported name when the line starts an export
    wrapper: str = ""  # the generated wrapper's code for an export line
    loop: bool = False
    innermost: bool = False

    @property
    def heat(self) -> str:
        if self.python or self.export:
            return "python"
        if self.innermost and any(v.status == "not vectorised" for v in self.verdicts):
            return "scalar"
        return ""


@dataclass(repr=False)
class Report:
    source: str
    module: str
    compiler: str
    command: list[str]
    lines: list[Line]
    exports: list[str]
    records: str  # "gcc", "clang", or "" when the compiler gave none
    missing: str = ""  # why verdicts are missing, when they are
    entry_dir: str = ""
    html_path: str = ""
    display: str = ""  # how text() names the source (the path as given; "cell" in Jupyter)

    def verdicts(self) -> list[tuple[Line, Verdict]]:
        return [(line, v) for line in self.lines for v in line.verdicts]

    def counts(self) -> dict[str, int]:
        out = {"vectorised": 0, "not vectorised": 0, "parallel": 0}
        for _line, v in self.verdicts():
            out[v.status] += 1
        return out

    def flags(self) -> str:
        return shlex.join(self.command)

    def march(self) -> str:
        found = [f for f in self.command if f.startswith(("-march=", "-mcpu="))]
        return found[-1] if found else "(the compiler's default target)"

    def suggestions(self) -> list[tuple[str, str, str]]:
        """(key, title, link) for every reason found, in the order of DOC_SECTIONS."""
        keys = {v.key for _line, v in self.verdicts() if v.key}
        return [(k, DOC_SECTIONS[k][0], doc_link(k)) for k in DOC_SECTIONS if k in keys]

    def text(self) -> str:
        from ._annotate_text import render_text

        return render_text(self)

    def html(self) -> str:
        from ._annotate_html import render_html

        return render_html(self)

    def save(self, path: str) -> str:
        from ._files import write_atomic

        write_atomic(path, self.html())
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(path, 0o666 & ~umask)  # a document to share, not a private cache file
        self.html_path = os.path.abspath(path)
        return self.html_path

    def _repr_html_(self) -> str:
        from ._annotate_html import inline_frame

        return inline_frame(self.html())

    def __str__(self) -> str:
        return self.text()

    def __repr__(self) -> str:
        c = self.counts()
        return (
            f"<cxximport annotate report of {self.display or self.source}: "
            f"{c['vectorised']} loops vectorised, {c['not vectorised']} not, "
            f"{c['parallel']} parallel>"
        )

    def story(self) -> str:
        """One line: the loop counts and the reasons loops stay scalar."""
        c = self.counts()
        reasons = ", ".join(DOC_SECTIONS[k][0] for k, _t, _l in self.suggestions())
        text = (
            f"{c['vectorised']} loop(s) vectorised, {c['not vectorised']} not vectorised, "
            f"{c['parallel']} parallel"
        )
        return text + (f"; scalar because of: {reasons}" if reasons else "")


# --------------------------------------------------------------------------
# Verdicts.


def _bits(width: int, asm: list[str]) -> int:
    if width:
        return width * 8
    joined = " ".join(asm)
    for reg, bits in (("zmm", 512), ("ymm", 256), ("xmm", 128)):
        if reg in joined:
            return bits
    return 0


def _isa(bits: int) -> str:
    arm = platform.machine().lower() in ("aarch64", "arm64")
    names = {512: "AVX-512", 256: "AVX2", 128: "NEON" if arm else "SSE/AVX"}
    return names.get(bits, "")


def called(asm: list[str]) -> list[str]:
    """Functions the machine code calls (from its relocations), runtime helpers left out."""
    names = []
    for insn in asm:
        # A direct call, or (with -fno-plt) the load of a function's address from the GOT.
        m = re.search(r"(?:\bcall\b|\bmov\b.*\[rip).*; -> (\S+)", insn)
        name = m.group(1).split("@")[0] if m else ""
        if name and not name.startswith(("_", "pyx::", "std::", ".")) and name not in names:
            names.append(name)
    return names


def python_calls(asm: list[str]) -> list[str]:
    """Python/NumPy C-API symbols the machine code refers to (calls, or the NumPy
    API table it calls through)."""
    names: list[str] = []
    for insn in asm:
        m = re.search(r"; -> (_?Py\w+)", insn)
        if m and m.group(1) not in names:
            names.append(m.group(1))
    return names


def explain(
    raw: list[str], body_checked: bool, boundscheck: bool, calls: Sequence[str] = ()
) -> tuple[str, str]:
    """(plain words, DOC_SECTIONS key) for a loop's not-vectorised reasons."""
    # The compiler lists every step it tried; the most specific cause wins (_REASONS order).
    for pattern, key, words in _REASONS:
        if any(re.search(pattern, reason, re.I) for reason in raw):
            if key == "branches" and (body_checked or boundscheck):
                how = "`.at()` checks every index" if body_checked else "boundscheck is on"
                return (
                    f"bounds checks: {how} and may raise IndexError, a branch in every "
                    "iteration that keeps the loop scalar; index with unchecked `v(i, j)`",
                    "boundscheck",
                )
            if key == "calls":
                callee = re.search(r"=\s*([\w:~<>]+) \(|call to (\w+)", " ".join(raw))
                found = [next(g for g in callee.groups() if g)] if callee else list(calls)
                shown = ", ".join(f"`{n}`" for n in found[:3])
                words = words.format(call=f" ({shown})" if shown else "")
            return words, key
    return (raw[-1] if raw else "the compiler gave no reason"), ""


def _loop_verdicts(
    rs: list[records.Remark], line: Line, loops: dict[int, scan.Loop], ctx: dict[str, Any]
) -> list[Verdict]:
    by_instance: dict[str, list[records.Remark]] = {}
    for r in rs:
        by_instance.setdefault(r.instance, []).append(r)
    verdicts = []
    for instance, items in sorted(by_instance.items()):
        wins = [r for r in items if r.kind == "vectorized"]
        fold_left = [r for r in items if r.kind == "note" and "fold-left" in r.text]
        versioned = [r for r in items if r.kind == "note" and "aliasing" in r.text]
        loop = loops.get(line.number)
        if wins and not fold_left:
            last = loop.end if loop else line.number
            asm = [
                insn
                for n in range(line.number, last + 1)
                for insn in ctx["asm"].get(n, {}).get(instance, [])
            ]
            bits = max(_bits(r.width, asm) for r in wins)
            detail = f"{bits}-bit, {_isa(bits)}" if bits else "vector width unknown"
            if versioned:
                detail += "; with a run-time overlap check (possible aliasing)"
            v = Verdict(instance, "vectorised", detail, "aliasing" if versioned else "")
            v.raw = [r.text for r in wins + versioned]
        elif fold_left or any(r.kind == "not-vectorized" for r in items):
            raw = [t for r in items if r.kind == "not-vectorized" for t in r.reasons]
            raw += [r.text for r in fold_left]
            if not raw:
                raw = [r.text for r in items if r.kind == "not-vectorized"]
            last = loop.end if loop else line.number
            checked = scan.uses_checked_access(ctx["text"], line.number, last)
            body = [
                insn
                for n in range(line.number, last + 1)
                for insn in ctx["asm"].get(n, {}).get(instance, [])
            ]
            words, key = explain(raw, checked, ctx["boundscheck"], called(body))
            v = Verdict(instance, "not vectorised", words, key, raw)
        else:
            continue
        verdicts.append(v)
    return verdicts


def _drop_outer_failures(lines: dict[int, Line], loops: dict[int, scan.Loop]) -> None:
    """An outer loop whose inner loop vectorises is reported as such, not as a failure."""
    for number, loop in loops.items():
        if loop.innermost or number not in lines:
            continue
        inner_wins = {
            v.instance
            for n in range(loop.line + 1, loop.end + 1)
            if n in lines
            for v in lines[n].verdicts
            if v.status == "vectorised"
        }
        lines[number].verdicts = [
            v
            for v in lines[number].verdicts
            if not (v.status == "not vectorised" and v.instance in inner_wins)
        ]


def _place_loop_remarks(remarks: list[records.Remark], loops: dict[int, scan.Loop]) -> None:
    """Moves each loop verdict onto the ``for`` line of its loop.

    GCC locates a loop at the first statement of its header after rotation: often
    the line below the ``for`` (the inner loop's line for an outer loop). So, per
    function instance, the verdict lines are taken from the innermost outwards and
    each goes to the innermost loop around it that no deeper verdict has taken.
    Clang's locations are the ``for`` lines already, and stay where they are."""
    kinds = ("vectorized", "not-vectorized", "note")
    by_instance: dict[str, set[int]] = {}
    for r in remarks:
        if r.kind in kinds:
            by_instance.setdefault(r.instance, set()).add(r.line)
    moves: dict[tuple[str, int], int] = {}
    for instance, where in by_instance.items():
        taken: set[int] = set()
        for line in sorted(where, reverse=True):
            around = sorted(
                (lp.line for lp in loops.values() if lp.line <= line <= lp.end), reverse=True
            )
            free = [n for n in around if n not in taken]
            if free:
                moves[instance, line] = free[0]
                taken.add(free[0])
    for r in remarks:
        if r.kind in kinds:
            r.line = moves.get((r.instance, r.line), r.line)


def analyse(
    source: str,
    module: str,
    entry_dir: str,
    cxx: list[str],
    flags: list[str],
) -> Report:
    with open(source, encoding="utf-8", errors="replace") as f:
        text = f.read()
    family, version = compiler_family(cxx)
    with tempfile.TemporaryDirectory(prefix="cxximport-annotate-") as tmp:
        obj, record_file, missing = compile_with_records(cxx, flags, entry_dir, tmp, family)
        asm = machine_code(obj, source)
        remarks: list[records.Remark] = []
        if record_file.endswith(".json.gz"):
            remarks = records.read_gcc(record_file, source)
        elif record_file:
            remarks = records.read_clang(record_file, source)
    remarks = records.label_instances(remarks)
    # Machine code of generated functions is the wrappers': keep the user's.
    asm = {
        n: {fn: code for fn, code in per.items() if not fn.startswith(("pyx_w_", "pyx::"))}
        for n, per in asm.items()
    }
    loops = scan.find_loops(text)
    python = scan.python_lines(text)
    wrappers = wrappers_of(entry_dir)
    openmp = "-fopenmp" in flags
    ctx = {
        "asm": asm,
        "text": text,
        "boundscheck": "-DPYX_BOUNDSCHECK=1" in flags,
    }
    lines = {
        n: Line(n, t, python=list(python.get(n, [])), asm=asm.get(n, {}))
        for n, t in enumerate(text.splitlines(), 1)
    }
    _place_loop_remarks(remarks, loops)
    by_line: dict[int, list[records.Remark]] = {}
    for r in remarks:
        if r.line in lines:
            by_line.setdefault(r.line, []).append(r)
    names = records.demangle(
        t for r in remarks if r.kind.endswith("inlined") for t in re.findall(r"\b_Z\w+", r.text)
    )
    for n, line in lines.items():
        rs = by_line.get(n, [])
        loop = loops.get(n)
        line.loop, line.innermost = loop is not None, bool(loop and loop.innermost)
        line.verdicts = _loop_verdicts(rs, line, loops, ctx)
        in_loop = any(lp.line <= n <= lp.end for lp in loops.values())
        seen = set()
        for r in rs:
            if r.kind in ("inlined", "not-inlined"):
                words = _inline_words(r, text, names, in_loop)
                if words and words not in seen:
                    seen.add(words)
                    line.inlining.append(words)
        if n in wrappers:
            line.export, line.wrapper = wrappers[n]
        api = python_calls([insn for code in line.asm.values() for insn in code])
        if api:
            line.python.append("calls into the interpreter: " + ", ".join(api[:4]))
    _drop_outer_failures(lines, loops)
    for loop in loops.values():
        if loop.pragma and loop.line in lines and (loop.parallel or not openmp):
            if openmp:
                v = Verdict("", "parallel", f"OpenMP: `{loop.pragma}`")
            else:
                v = Verdict(
                    "",
                    "not vectorised",
                    "`#pragma omp` is ignored: the module is not compiled with OpenMP "
                    "(add `// cxximport: openmp`)",
                    "openmp-off",
                )
            lines[loop.line].verdicts.insert(0, v)
    if not remarks and not missing:
        missing = "" if family else "unknown compiler: no optimisation records"
    return Report(
        source=source,
        module=module,
        compiler=version or " ".join(cxx),
        command=[*cxx, *flags],
        lines=list(lines.values()),
        exports=[name for name, _code in wrappers.values()],
        records=family if not missing else "",
        missing=missing,
        entry_dir=entry_dir,
    )


def _inline_words(r: records.Remark, user_text: str, names: dict[str, str], in_loop: bool) -> str:
    text = r.text
    if r.kind == "not-inlined":
        # GCC: "not inlinable: caller -> callee, reason"; Clang: "callee will not be inlined
        # into caller because reason".
        m = re.search(r"-> (.+), ([^,]+)$", text) or re.search(
            r"^'?([^' ]+)'? (?:will not be|not) inlined into .*? because (.*)$", text
        )
        if not in_loop:
            return ""
        if m:
            callee = records.short_name(names.get(m.group(1), m.group(1)))
            if callee.startswith("__"):
                return ""  # exception machinery
            return f"call to {callee} not inlined: {m.group(2).strip()}"
        return text
    # GCC: "Inlining callee into caller." / "Inlined callee into caller ..."; Clang:
    # "'callee' inlined into 'caller' with (cost=...)". Only the user's own functions.
    m = re.match(r"^Inlin(?:ing|ed) (.+?) into ", text) or re.match(r"^'?([^' ]+)'? inlined", text)
    if not m:
        return ""
    callee = records.short_name(names.get(m.group(1), m.group(1)))
    base = callee.split("<")[0]
    if base.startswith(("pyx::", "std::", "operator")) or not re.search(
        rf"\b{re.escape(base)}\s*\(", user_text
    ):
        return ""
    return f"call to {callee} inlined"


# --------------------------------------------------------------------------
# The entry point.


def annotate(
    path: str | os.PathLike[str],
    *,
    module: str | None = None,
    options: Mapping[str, Any] | None = None,
) -> Report:
    """Builds ``path`` as an import would (reusing the cache) and returns its report."""
    from . import _loader
    from ._finder import module_name_for

    source = os.path.abspath(os.fspath(path))
    if not os.path.isfile(source):
        raise FileNotFoundError(f"cxximport annotate: no such file: {path}")
    name = module or module_name_for(source)
    result = _loader.build(source, name, dict(options or {}))
    entry = result["entry_dir"]
    cxx, flags = entry_command(entry)
    return analyse(source, name, entry, cxx, flags)
