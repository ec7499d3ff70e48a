"""What ``cxximport annotate`` reads from the source text itself: where loops
are (and which are innermost), which loops an OpenMP pragma parallelises, and
which lines touch Python objects. No compiler involved; comments and string
literals are blanked first so they never match.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_COMMENT_OR_STRING = re.compile(
    r'//[^\n]*|/\*.*?\*/|"(?:\\.|[^"\\\n])*"|\'(?:\\.|[^\'\\\n])*\'', re.S
)


def blank_comments(text: str) -> str:
    """The text with comments and literals replaced by spaces (newlines kept)."""

    def repl(m: re.Match[str]) -> str:
        s = m.group(0)
        if s.startswith(("//", "/*")):
            return re.sub(r"[^\n]", " ", s)
        return s[0] + re.sub(r"[^\n]", " ", s[1:-1]) + s[-1]

    return _COMMENT_OR_STRING.sub(repl, text)


@dataclass
class Loop:
    line: int
    end: int  # last line of its body
    innermost: bool = True
    pragma: str = ""  # the `#pragma omp ...` right before it
    parallel: bool = False  # the pragma shares it between threads (a `for` construct)


_LOOP = re.compile(r"\b(for|while)\s*\(")


def _line_of(text: str, pos: int) -> int:
    return text.count("\n", 0, pos) + 1


def _match_paren(text: str, open_at: int) -> int:
    depth = 0
    for i in range(open_at, len(text)):
        if text[i] == "(":
            depth += 1
        elif text[i] == ")":
            depth -= 1
            if depth == 0:
                return i
    return len(text) - 1


def _statement_end(text: str, pos: int) -> int:
    """End of the statement starting at pos: a braced block, or up to its ``;``
    (a nested unbraced loop's statement included)."""
    i = pos
    while i < len(text) and text[i].isspace():
        i += 1
    if i < len(text) and text[i] == "{":
        depth = 0
        for j in range(i, len(text)):
            if text[j] == "{":
                depth += 1
            elif text[j] == "}":
                depth -= 1
                if depth == 0:
                    return j
        return len(text) - 1
    m = _LOOP.match(text, i)
    if m:  # for (...) for (...) stmt;
        return _statement_end(text, _match_paren(text, m.end() - 1) + 1)
    depth = 0
    for j in range(i, len(text)):
        ch = text[j]
        if ch in "({[":
            depth += 1
        elif ch in ")}]":
            depth -= 1
        elif ch == ";" and depth <= 0:
            return j
    return len(text) - 1


def find_loops(text: str) -> dict[int, Loop]:
    clean = blank_comments(text)
    loops: dict[int, Loop] = {}
    for m in _LOOP.finditer(clean):
        close = _match_paren(clean, m.end() - 1)
        if m.group(1) == "while" and clean[close + 1 :].lstrip().startswith(";"):
            continue  # the tail of a do-while
        line = _line_of(clean, m.start())
        loops.setdefault(line, Loop(line, _line_of(clean, _statement_end(clean, close + 1))))
    for loop in loops.values():
        loop.innermost = not any(
            other.line != loop.line and loop.line <= other.line <= loop.end
            for other in loops.values()
        )
    for number, text_line in enumerate(clean.splitlines(), 1):
        pragma = text_line.strip()
        if re.match(r"#\s*pragma\s+omp\b", pragma):
            following = [n for n in loops if n > number]
            if following:
                loop = loops[min(following)]
                loop.pragma = " ".join(pragma.split())
                loop.parallel = bool(re.search(r"\bomp\s+(parallel\s+)?for\b", loop.pragma))
    return loops


# Python interaction visible in the source: (pattern, why).
_PYTHON_PATTERNS = (
    (re.compile(r"\bpyx::object\b|\bpyx::none\s*\("), "uses a Python object (pyx::object)"),
    (
        re.compile(r"\bpyx::(empty|zeros|ones|full|empty_like|zeros_like|array<[^>]*>\s*\()"),
        "allocates a NumPy array (holds the GIL)",
    ),
    (re.compile(r"\bPy[A-Z_]\w*\s*\("), "calls the Python C API"),
    (re.compile(r"\bpyx::gil_(acquire|release)\b|\bPYX_NOGIL\b"), "takes or releases the GIL"),
    (re.compile(r"\bthrow\b"), "raises a Python exception when it runs"),
)
_OBJECT_NAME = re.compile(r"\bpyx::object\s*&?\s*(\w+)")


def python_lines(text: str) -> dict[int, list[str]]:
    """Line -> why it talks to Python, from the source."""
    clean = blank_comments(text)
    objects = set(_OBJECT_NAME.findall(clean))
    uses = re.compile(r"\b(" + "|".join(map(re.escape, objects)) + r")\s*[.(]") if objects else None
    found: dict[int, list[str]] = {}
    for number, line in enumerate(clean.splitlines(), 1):
        why = [reason for pattern, reason in _PYTHON_PATTERNS if pattern.search(line)]
        if uses is not None and uses.search(line):
            why.append("calls a Python object (callback or attribute)")
        if why:
            found[number] = why
    return found


def uses_checked_access(text: str, first: int, last: int) -> bool:
    """Whether lines first..last index with ``.at(...)`` (always bounds-checked)."""
    lines = blank_comments(text).splitlines()[first - 1 : last]
    return any(re.search(r"\.at\s*\(", line) for line in lines)
