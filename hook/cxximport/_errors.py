"""Compiler output -> the message of ``cxximport.CompileError``.

The compiler sees the user's source verbatim after ``#line 1 "file.cxxpyx"``,
so its diagnostics for user code already name ``file.cxxpyx:LINE:COL``. This
module picks the first few errors out of a build log, keeps their source
excerpts (gcc's ``|`` gutters) and their notes, and drops the noise a user
cannot act on: ``In file included from`` chains, instantiation backtraces
through the runtime headers and the generated ``module.cpp``.

An error inside the generated bindings (``module.cpp``, or a runtime header
instantiated from there) is reported at the exported function it was
generated for, ``in the bindings generated for `f` (file.cxxpyx:12): hint``,
with the exported signature; the spans of each export's wrapper (the lines
``wrappers.map`` records) and the generated ``module.cpp`` come with the
core's ``BuildError`` (``spans``, ``module_cpp``), so nothing is generated
again here. ``export_spans`` reads the spans from the ``// export NAME
(PATH:LINE)`` comments instead, for a ``module.cpp`` given without them.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from .errors import CompileError

MAX_ERRORS = 3  # error items shown (an item is an error with its notes)
MAX_LINES = 30  # lines of compiler output shown in the message
MAX_NOTE_LINES = 8  # lines of notes kept under one error

# file:LINE[:COL]: kind: message
_HEADER = re.compile(
    r"^(?P<file>[^\s].*?):(?P<line>\d+):(?:(?P<col>\d+):)? "
    r"(?P<kind>fatal error|error|warning|note): (?P<msg>.*)$"
)
# cc1plus: error: ..., c++: error: ..., collect2: error: ...
_TOOL = re.compile(r"^(?P<file>[\w.+-]+): (?P<kind>fatal error|error|warning|note): (?P<msg>.*)$")
# file:LINE:COL:   required from here / in 'constexpr' expansion of ...
_BACKTRACE = re.compile(r"^(?P<file>[^\s].*?):(?P<line>\d+):(?:(?P<col>\d+):)?\s{2,}(?P<msg>\S.*)$")
# file: In function 'int f(int)':  /  file: At global scope:
_CONTEXT = re.compile(r"^(?P<file>[^\s].*?): (?:In |At )(?P<msg>.*):$")
_INCLUDED = re.compile(r"^(?:In file included from|\s+from) (?P<file>.+?):(?P<line>\d+)[,:]$")
_LINKER = re.compile(r"^(?:\S*/)?(?:ld|ld\.\w+|collect2)(?:\.exe)?: ")
_NOISE = re.compile(
    r"^(?:\[\d+/\d+\] |FAILED: |ninja: |\d+ errors? generated\.|\d+ warnings? generated\.)"
)
_EXPORT_COMMENT = re.compile(r"^// export (?P<name>\S+) \((?P<path>.*):(?P<line>\d+)\)$")
_SYSTEM_PREFIXES = ("/usr/include/", "/usr/lib/", "/usr/local/include/", "/opt/", "/Library/")

USER, RUNTIME, GENERATED, SYSTEM, TOOL = "user", "runtime", "generated", "system", "tool"


@dataclass
class Diagnostic:
    kind: str  # "error", "warning", "note" ("fatal error" counts as "error")
    file: str
    line: int | None
    col: int | None
    msg: str
    header: str  # the header line as printed
    body: list[str] = field(default_factory=list)  # excerpt, caret, fix-it lines
    context: list[str] = field(default_factory=list)  # lines printed before the header
    notes: list[Diagnostic] = field(default_factory=list)


def parse(log: str) -> list[Diagnostic]:
    """The errors and warnings of a gcc or clang log, each with the context
    lines printed before it and the notes that follow it."""
    out: list[Diagnostic] = []
    pending: list[str] = []  # context lines waiting for the next diagnostic
    current: Diagnostic | None = None  # where body lines go
    for raw in log.splitlines():
        line = raw.rstrip()
        if not line or _NOISE.match(line):
            continue
        m = _HEADER.match(line) or _TOOL.match(line)
        if m:
            kind = "error" if m.group("kind") == "fatal error" else m.group("kind")
            groups = m.groupdict()
            d = Diagnostic(
                kind,
                m.group("file"),
                int(groups["line"]) if groups.get("line") else None,
                int(groups["col"]) if groups.get("col") else None,
                m.group("msg"),
                line,
                context=pending,
            )
            pending = []
            if kind == "note" and out:
                out[-1].notes.append(d)
            elif kind != "note":
                out.append(d)
            current = d
            continue
        if _BACKTRACE.match(line) or _CONTEXT.match(line) or _INCLUDED.match(line):
            pending.append(line)
            current = None
            continue
        if _LINKER.match(line):
            d = Diagnostic("error", "ld", None, None, line, line, context=pending)
            pending = []
            out.append(d)
            current = d
            continue
        if current is not None:
            current.body.append(line)
        # Anything else (the command line ninja echoes, stray output) is dropped.
    return out


# --------------------------------------------------------------------------
# Where a diagnostic points.


class Places:
    """Classifies paths printed by the compiler."""

    def __init__(
        self, source: str | None, templates_dir: str | None, include_dirs: Iterable[str] = ()
    ):
        self.source = os.path.abspath(source) if source else None
        self.templates_dir = os.path.abspath(templates_dir) if templates_dir else None
        self.system_dirs = tuple(os.path.abspath(d) + os.sep for d in include_dirs if d)

    def kind(self, path: str) -> str:
        if path in ("ld", "cc1plus", "collect2", "c++", "g++", "clang++", "clang"):
            return TOOL
        if os.path.basename(path) == "module.cpp" and not path.endswith(".cxxpyx"):
            return GENERATED
        if path.endswith(".cxxpyx") or (self.source and path == self.source):
            return USER
        absolute = os.path.abspath(path)
        if self.templates_dir and absolute.startswith(self.templates_dir + os.sep):
            return RUNTIME
        if "/templates/pyx/" in absolute or "/cxximport/templates/" in absolute:
            return RUNTIME
        if absolute.startswith(self.system_dirs) or absolute.startswith(_SYSTEM_PREFIXES):
            return SYSTEM
        if not os.path.isabs(path) and not os.path.exists(path):
            return TOOL  # a program name such as "cc1plus"
        return USER

    def short(self, path: str) -> str:
        """Runtime headers as their include path (pyx/view.hpp); others as printed."""
        if self.kind(path) == RUNTIME:
            absolute = os.path.abspath(path)
            if self.templates_dir and absolute.startswith(self.templates_dir + os.sep):
                return os.path.relpath(absolute, self.templates_dir)
            i = absolute.find("/pyx/")
            return absolute[i + 1 :] if i >= 0 else path
        return path

    def shorten_line(self, line: str) -> str:
        if self.templates_dir:
            line = line.replace(self.templates_dir + os.sep, "")
        return line


def _location(line: str) -> tuple[str, int, int | None] | None:
    m = _HEADER.match(line) or _BACKTRACE.match(line)
    if not m or not m.groupdict().get("line"):
        return None
    col = m.group("col")
    return m.group("file"), int(m.group("line")), int(col) if col else None


# --------------------------------------------------------------------------
# The generated module: which export owns a module.cpp line.


@dataclass
class ExportSpan:
    name: str
    source_path: str
    source_line: int
    first: int  # module.cpp lines, 1-based, inclusive
    last: int


def export_spans(module_cpp: str) -> list[ExportSpan]:
    """The module.cpp line range of each export's wrapper: from its
    ``// export NAME (PATH:LINE)`` comment to the line before the next one
    (or before the method table)."""
    spans: list[ExportSpan] = []
    lines = module_cpp.splitlines()
    for number, text in enumerate(lines, 1):
        m = _EXPORT_COMMENT.match(text)
        if m:
            if spans:
                spans[-1].last = number - 1
            spans.append(ExportSpan(m["name"], m["path"], int(m["line"]), number, len(lines)))
        elif spans and text.startswith("static PyMethodDef "):
            spans[-1].last = min(spans[-1].last, number - 1)
    return spans


def _span_for(spans: list[ExportSpan], line: int | None) -> ExportSpan | None:
    if line is None:
        return None
    for span in spans:
        if span.first <= line <= span.last:
            return span
    return None


# --------------------------------------------------------------------------
# Formatting.


@dataclass
class Item:
    """One entry of the message: the lines shown and where it points."""

    lines: list[str]
    filename: str | None = None
    lineno: int | None = None


def _source_excerpt(path: str, lineno: int) -> tuple[str, int | None]:
    """``'   12 | text'`` for a line of a file, and the column of its first
    non-blank character."""
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            for number, text in enumerate(f, 1):
                if number == lineno:
                    text = text.rstrip("\n")
                    return f"{lineno:>5} | {text}", len(text) - len(text.lstrip()) + 1
    except OSError:
        pass
    return "", None


def _signature(export: dict[str, Any]) -> str:
    params = ", ".join(
        f"{p['type']} {p['name']}" + (f" = {p['default']}" if p.get("default") else "")
        for p in export.get("params", [])
    )
    text = f"{export.get('return_type', '')} {export.get('name', '')}({params})".strip()
    fused = export.get("fused") or []
    if fused:
        text += "  [" + "; ".join(f"{f['name']} in {', '.join(f['types'])}" for f in fused) + "]"
    return text


_STATIC_ASSERT = re.compile(r"static assertion failed: (?P<msg>cxximport: .*)$", re.M)
_TYPE_IN = re.compile(
    r"(?:dependent_false|caster)<(?P<type>.+?)(?:, void)? ?>’? evaluates to false"
)


def _hint(
    diags: list[Diagnostic], span_lines: list[str], export: dict[str, Any] | None
) -> tuple[str, bool]:
    """What went wrong in the generated code, in the user's terms, and whether
    that is a static_assert of ours (which says it all)."""
    texts = []
    for d in diags:
        texts.append(d.msg)
        texts += [n.msg for n in d.notes]
    joined = "\n".join(texts)
    m = _STATIC_ASSERT.search(joined)
    if m:
        message = m.group("msg")
        t = _TYPE_IN.search(joined)
        return message + (f" [the type: `{t.group('type')}`]" if t else ""), True
    if "unable to deduce ‘auto’ from ‘&" in joined or "overloaded function" in joined:
        name = export["name"] if export else "the function"
        return (
            f"`{name}` has several overloads; an exported function must have exactly one "
            "(give the others another name, or make it a template over pyx::fused types)"
        ), False
    for text in span_lines:
        m = re.search(r"\bdef_(\d+)\(\)", text)
        if m and export:
            index = int(m.group(1))
            params = export.get("params", [])
            if index < len(params):
                p = params[index]
                return (
                    f"the default value of parameter `{p['name']}` (`= {p['default']}`) "
                    f"is not a valid `{p['type']}`"
                ), False
    first = diags[0].msg if diags else "the generated code does not compile"
    return f"the generated wrapper does not compile for this signature: {first}", False


_SUBSCRIPTED_MEMBER = re.compile(r"\b(\w+)\.(shape|strides)\s*\[\s*([^\]]*)\]")


_OMP_UNDECLARED = re.compile(r"[‘'`](omp_\w+)[’'`] was not declared")
_OPENMP_FIX = "add `// cxximport: openmp` to the file"


def _openmp_off(name: str) -> str:
    return f"`{name}` is an OpenMP function and OpenMP is off for this file: {_OPENMP_FIX}"


def _numpy_habit(d: Diagnostic) -> str | None:
    """A one-line explanation of an error caused by writing NumPy in C++."""
    m = _OMP_UNDECLARED.search(d.msg)
    if m:
        return _openmp_off(m.group(1))
    if "growable" in d.msg and "could not convert" in d.msg and "std::tuple" in d.msg:
        return (
            "a pyx::growable is move-only (a copy would copy its data): "
            "return {std::move(a), std::move(b)}"
        )
    if "unresolved overloaded function type" not in d.msg or "subscript" not in d.msg:
        return None
    if d.line is None:
        return None
    try:
        text = open(d.file, encoding="utf-8", errors="replace").read().splitlines()[d.line - 1]
    except (OSError, IndexError):
        return None
    m = _SUBSCRIPTED_MEMBER.search(text)
    if not m:
        return None
    name, member, index = m.groups()
    return (
        f"`{name}.{member}[{index}]` is NumPy's spelling: in C++ `{member}` is a function, "
        f"did you mean `{name}.{member}({index})`?"
    )


def spans_from_core(spans: Any) -> list[ExportSpan]:
    """The core's wrapper spans (``BuildError.spans``: ``(first, last,
    source_line, name, source)`` tuples, as in ``wrappers.map``)."""
    return [
        ExportSpan(name, path, source_line, first, last)
        for first, last, source_line, name, path in spans or ()
    ]


class Formatter:
    def __init__(
        self,
        source: str | None,
        templates_dir: str | None = None,
        module_cpp: str | None = None,
        exports: list[dict[str, Any]] | None = None,
        include_dirs: Iterable[str] = (),
        verbose: bool = False,
        spans: list[ExportSpan] | None = None,
    ):
        self.places = Places(source, templates_dir, include_dirs)
        self.source = source
        if spans is None:
            spans = export_spans(module_cpp) if module_cpp else []
        self.spans = spans
        self.module_lines = module_cpp.splitlines() if module_cpp else []
        self.exports = {e["name"]: e for e in (exports or [])}
        self.verbose = verbose

    # Which locations matter.
    def _user_location(self, d: Diagnostic) -> tuple[str, int, int | None] | None:
        """The diagnostic's own location if it is in user code, else the
        innermost user location of its instantiation backtrace."""
        if d.line is not None and self.places.kind(d.file) == USER:
            return d.file, d.line, d.col
        for line in d.context:
            loc = _location(line)
            if loc and self.places.kind(loc[0]) == USER:
                return loc
        return None

    def _generated_line(self, d: Diagnostic) -> int | None:
        if d.line is not None and self.places.kind(d.file) == GENERATED:
            return d.line
        for line in d.context:
            loc = _location(line)
            if loc and self.places.kind(loc[0]) == GENERATED:
                return loc[1]
        return None

    def _keep_context(self, line: str) -> bool:
        if _INCLUDED.match(line):
            return False
        m = _CONTEXT.match(line)
        if m:
            return self.places.kind(m.group("file")) == USER
        loc = _location(line)
        return loc is not None and self.places.kind(loc[0]) == USER

    def _with_notes(self, d: Diagnostic, header: str | None = None) -> list[str]:
        lines = [self.places.shorten_line(header or d.header)]
        lines += [self.places.shorten_line(b) for b in d.body]
        notes: list[str] = []
        for n in d.notes:
            notes += [self.places.shorten_line(n.header)] + [
                self.places.shorten_line(b) for b in n.body
            ]
        if len(notes) > MAX_NOTE_LINES:
            notes = notes[:MAX_NOTE_LINES] + ["      ..."]
        return lines + notes

    def _plain_item(self, d: Diagnostic) -> Item:
        user = self._user_location(d)
        habit = _numpy_habit(d) if user and d.file == user[0] else None
        if habit and user:
            path, line, col = user
            excerpt, _ = _source_excerpt(path, line)
            where = f"{path}:{line}:" + (f"{col}:" if col else "")
            return Item([f"{where} error: {habit}"] + ([excerpt] if excerpt else []), path, line)
        ours = _STATIC_ASSERT.search(d.msg)
        if ours and user and self.places.kind(d.file) != USER:
            # A static_assert of the runtime says it all: one line at the user's line.
            path, line, col = user
            excerpt, _ = _source_excerpt(path, line)
            where = f"{path}:{line}:" + (f"{col}:" if col else "")
            return Item(
                [f"{where} error: {ours.group('msg')}"] + ([excerpt] if excerpt else []), path, line
            )
        lines = [c for c in d.context if self._keep_context(c)]
        for i, c in enumerate(lines):
            loc = _location(c)
            if loc and self.places.kind(loc[0]) == USER and not c.endswith(":"):
                excerpt, _ = _source_excerpt(loc[0], loc[1])
                if excerpt:
                    lines[i] = c + "\n" + excerpt
        lines = "\n".join(lines).splitlines()
        lines += self._with_notes(d)
        return Item(lines, *(user[:2] if user else (None, None)))

    def _generated_item(self, export_name: str, span: ExportSpan, diags: list[Diagnostic]) -> Item:
        export = self.exports.get(export_name)
        span_lines = self.module_lines[span.first - 1 : span.last]
        hint, ours = _hint(diags, span_lines, export)
        path, lineno = span.source_path, span.source_line
        excerpt, col = _source_excerpt(path, lineno)
        if excerpt and export_name in excerpt:
            col = excerpt.split("| ", 1)[1].find(export_name) + 1
        where = f"{path}:{lineno}:" + (f"{col}:" if col else "")
        lines = [
            f"{where} error: in the bindings generated for `{export_name}` "
            f"({os.path.basename(path)}:{lineno}): {hint}"
        ]
        if excerpt:
            lines.append(excerpt)
        if export:
            lines.append(f"      exported signature: {_signature(export)}")
        if not ours:  # a static_assert of ours says it all
            lines.append("      compiler: " + self.places.shorten_line(diags[0].header))
        return Item(lines, path, lineno)

    def items(self, diags: list[Diagnostic]) -> tuple[list[Item], int]:
        """The items to show and how many errors exist in all."""
        wanted = [d for d in diags if d.kind == "error" or (self.verbose and d.kind == "warning")]
        items: list[Item] = []
        generated: dict[str, tuple[ExportSpan, list[Diagnostic], int]] = {}
        seen: set[tuple[str, int | None, int | None, str]] = set()
        errors = 0
        for d in wanted:
            user = self._user_location(d)
            span = _span_for(self.spans, self._generated_line(d)) if user is None else None
            if span is not None:
                if span.name in generated:
                    generated[span.name][1].append(d)  # a cascade of the same wrapper
                    continue
                generated[span.name] = (span, [d], len(items))
                items.append(Item([]))  # filled in below, once all its errors are known
                errors += d.kind == "error"
                continue
            key = (d.file, d.line, d.col, d.kind)
            if d.line is not None and key in seen:
                continue  # the same error again, for another fused instantiation
            seen.add(key)
            errors += d.kind == "error"
            items.append(self._plain_item(d))
        for name, (span, group, index) in generated.items():
            items[index] = self._generated_item(name, span, group)
        return items, errors

    def _undefined_openmp(self, log: str) -> tuple[str, str | None, int | None] | None:
        """The core's "declared but never defined" list, when it names an
        omp_* function: the fix in one line, at the first call of it."""
        _, found, names = log.partition("declared but never defined:")
        listed = [n.strip() for n in names.splitlines() if n.startswith("  ") and n.strip()]
        omp = [n for n in listed if n.startswith("omp_")]
        if not found or not omp:
            return None
        name = omp[0]
        others = [n for n in listed if not n.startswith("omp_")]
        where, line = f"{self.source}:", None
        try:
            with open(self.source or "", encoding="utf-8", errors="replace") as f:
                for number, text in enumerate(f, 1):
                    col = text.find(name)
                    if col >= 0:
                        where, line = f"{self.source}:{number}:{col + 1}:", number
                        break
        except OSError:
            pass
        excerpt = _source_excerpt(self.source, line)[0] if self.source and line else ""
        lines = [f"{where} error: {_openmp_off(name)}"] + ([excerpt] if excerpt else [])
        if others:  # not OpenMP's: still say so
            lines.append(f"      (also declared but never defined: {', '.join(others)})")
        return "\n".join(lines), self.source, line

    def format(self, log: str) -> tuple[str, str | None, int | None]:
        """(message body, filename, lineno) for a build log."""
        openmp = self._undefined_openmp(log)
        if openmp:
            return openmp
        diags = parse(log)
        items, errors = self.items(diags)
        shown: list[str] = []
        filename = lineno = None
        count = 0
        for item in items:
            if count >= MAX_ERRORS or len(shown) >= MAX_LINES:
                break
            if filename is None and item.filename:
                filename, lineno = item.filename, item.lineno
            shown += item.lines
            count += 1
        if len(shown) > MAX_LINES:
            shown = shown[:MAX_LINES] + ["..."]
        if not shown:
            return _fallback(log), None, None
        more = len(items) - count
        if more > 0:
            shown.append(f"... and {more} more (see the full log)")
        return "\n".join(shown), filename, lineno


def _fallback(log: str) -> str:
    """The log without ninja's chatter, when no diagnostic could be parsed
    (ninja's own errors are not chatter: they say why nothing was compiled)."""
    lines = [
        line
        for line in log.splitlines()
        if line.strip() and (line.startswith("ninja: error") or not _NOISE.match(line))
    ]
    if len(lines) > MAX_LINES:
        lines = lines[:MAX_LINES] + ["..."]
    return "\n".join(lines) or "(the compiler printed nothing)"


# --------------------------------------------------------------------------
# Entry points used by the loader.


def _scanned_exports(source: str) -> list[dict[str, Any]]:
    try:
        from . import _core

        return list(_core.scan(source).get("exports", []))
    except Exception:
        return []


def format_build_log(
    log: str,
    source: str,
    name: str,
    *,
    templates_dir: str | None = None,
    verbose: bool = False,
    module_cpp: str | None = None,
    spans: list[ExportSpan] | None = None,
) -> tuple[str, str | None, int | None]:
    """The formatted first errors of a build log, and the location the
    traceback should point at. module_cpp and spans (the core's, from the
    failed build) map errors in the generated bindings to their exports."""
    if templates_dir is None:
        from . import _options

        templates_dir = _options.templates_dir()
    needs_mapping = "module.cpp:" in log and bool(spans)
    formatter = Formatter(
        source,
        templates_dir,
        module_cpp if needs_mapping else None,
        _scanned_exports(source) if needs_mapping else None,
        verbose=verbose,
        spans=spans if needs_mapping else None,
    )
    return formatter.format(log)


def compile_error_from(
    build_error: BaseException,
    name: str,
    source: str,
    *,
    templates_dir: str | None = None,
    verbose: bool = False,
) -> CompileError:
    """The ``CompileError`` for a ``_core.BuildError``: its message shows the
    first errors, located in the user's .cxxpyx; ``filename``/``lineno`` say
    where the traceback should point."""
    log = getattr(build_error, "log", "") or ""
    source = getattr(build_error, "source", None) or source
    log_path = getattr(build_error, "log_path", None)
    if log.strip():
        detail, filename, lineno = format_build_log(
            log,
            source,
            name,
            templates_dir=templates_dir,
            verbose=verbose,
            module_cpp=getattr(build_error, "module_cpp", None),
            spans=spans_from_core(getattr(build_error, "spans", None)),
        )
    else:
        detail, filename, lineno = str(build_error).strip(), None, None
    message = f"cxximport: cannot build {name} from {source}:\n{detail}"
    if log_path:
        message += f"\n(full log: {log_path})"
    return CompileError(
        message,
        name=name,
        source=source,
        log=log,
        command=getattr(build_error, "command", "") or "",
        log_path=log_path,
        filename=filename,
        lineno=lineno,
    )


def scan_error_message(scan_error: BaseException, name: str, source: str) -> str:
    """A ScanError's message with the offending source line and a caret."""
    text = str(scan_error).strip()
    filename = getattr(scan_error, "filename", None) or source
    lineno = getattr(scan_error, "lineno", None)
    col = getattr(scan_error, "col", None)
    message = f"cxximport: cannot build {name}: {text}"
    if lineno:
        excerpt, _ = _source_excerpt(filename, lineno)
        if excerpt:
            message += "\n" + excerpt
            if col:
                message += "\n      | " + " " * (col - 1) + "^"
    return message


# --------------------------------------------------------------------------
# Warnings of a successful build.

# `#pragma omp WORD`: `simd` and `declare simd` need no OpenMP runtime (they
# work under -fopenmp-simd); anything else runs serially without -fopenmp.
_OMP_PRAGMA = re.compile(r"^\s*#\s*pragma\s+omp\s+(?P<what>[^\n]*?)\s*(?://.*)?$")


def serial_pragmas(text: str) -> list[tuple[int, str]]:
    """(line, pragma) of the ``#pragma omp`` lines that need OpenMP itself."""
    found = []
    for number, line in enumerate(text.splitlines(), 1):
        m = _OMP_PRAGMA.match(line)
        if not m:
            continue
        words = m.group("what").split()
        if not words or words[0] == "simd" or words[:2] == ["declare", "simd"]:
            continue
        found.append((number, f"#pragma omp {m.group('what')}"))
    return found


def warn_serial_pragmas(source: str, flags: dict[str, Any]) -> None:
    """One warning per build, at the first such pragma, when a file uses
    OpenMP pragmas without the openmp directive (the compiler ignores them:
    the loops run serially)."""
    if flags.get("openmp") or "-fopenmp" in (flags.get("cxxflags") or []):
        return
    try:
        with open(source, encoding="utf-8", errors="replace") as f:
            found = serial_pragmas(f.read())
    except OSError:
        return
    if not found:
        return
    import warnings

    line, pragma = found[0]
    more = f" (and {len(found) - 1} more: lines {', '.join(str(n) for n, _ in found[1:])})"
    warnings.warn_explicit(
        f"cxximport: {source}:{line}: `{pragma}` is ignored and the loop runs serially: "
        f"OpenMP is off for this file; add `// cxximport: openmp`"
        + (more if len(found) > 1 else ""),
        UserWarning,
        source,
        line,
    )
