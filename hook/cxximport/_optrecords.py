"""The compilers' optimisation records, read into one shape for ``cxximport annotate``.

GCC (>= 9) writes ``*.opt-record.json.gz`` with ``-fsave-optimization-record``;
Clang writes ``*.opt.yaml``. Both are reduced to :class:`Remark` objects: a
source line, the function instance it belongs to (demangled: ``compute<int>``
for one instantiation of a fused template), and a verdict (vectorised, not
vectorised with the compiler's reason, inlined, not inlined). Only records
located in the ``.cxxpyx`` file are kept (``module.cpp`` compiles it under a
``#line`` marker, so the records already carry its line numbers).
"""

from __future__ import annotations

import gzip
import json
import re
import shutil
import subprocess
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Remark:
    line: int
    function: str  # mangled, or a demangled name when the compiler gave one
    kind: str  # vectorized, not-vectorized, note, inlined, not-inlined
    text: str  # the compiler's words
    width: int = 0  # vector bytes (GCC tells; Clang: from the machine code later)
    reasons: list[str] = field(default_factory=list)
    instance: str = ""  # short demangled label, filled by label_instances()


# --------------------------------------------------------------------------
# GCC: a JSON array [metadata, passes, records]; records nest via "children".


def _gcc_message(items: Iterable[Any]) -> str:
    out = []
    for item in items:
        if isinstance(item, str):
            out.append(item)
        elif isinstance(item, dict):
            if "symtab_node" in item:
                out.append(re.sub(r"/\d+$", "", item["symtab_node"]))
            elif "stmt" in item:
                out.append(item["stmt"].strip())
            elif "expr" in item:
                out.append(item["expr"])
    return " ".join("".join(out).split())


def _walk(records: Iterable[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    for record in records:
        yield record
        yield from _walk(record.get("children", ()))


_GCC_VECTORISED = re.compile(r"loop vectorized using (\d+) byte vectors")


def read_gcc(path: str, source: str) -> list[Remark]:
    with gzip.open(path, "rt", encoding="utf-8") as f:
        data = json.load(f)
    remarks: list[Remark] = []
    pending: dict[str, list[str]] = {}  # reasons seen in a function since its last verdict
    for record in _walk(data[2] if len(data) > 2 else ()):
        location = record.get("location") or {}
        chain = record.get("inlining_chain") or [{}]
        container = record.get("function", "")
        # The function the statement was written in (inlining_chain[0]), not the one it
        # was inlined into: a fused instance inlined into its wrapper is still itself.
        function = chain[0].get("fndecl") or container
        line = int(location.get("line", 0)) if location.get("file") == source else 0
        if not line and record.get("kind") in ("success", "failure"):
            # A loop whose first statement is runtime code (`a.shape(0)` in view.hpp) is
            # located there; chain[i]["site"] is where chain[i - 1] was inlined into
            # chain[i]'s function, so the first site in the source names line and function.
            for link in chain:
                site = link.get("site") or {}
                if site.get("file") == source:
                    line, function = int(site.get("line", 0)), link.get("fndecl") or container
                    break
        if not line:
            continue
        text = _gcc_message(record.get("message", ()))
        kind = record.get("kind")
        vectorised = _GCC_VECTORISED.search(text)
        if kind == "success" and vectorised:
            pending.pop(container, None)
            remarks.append(Remark(line, function, "vectorized", text, int(vectorised.group(1))))
        elif kind == "failure" and text.startswith("couldn't vectorize loop"):
            reasons = pending.pop(container, [])
            remarks.append(Remark(line, function, "not-vectorized", text, reasons=reasons))
        elif kind == "failure" and text.startswith("not inlinable:"):
            remarks.append(Remark(line, function, "not-inlined", text))
        elif kind == "success" and text.startswith(("Inlining ", "Inlined ")):
            remarks.append(Remark(line, function, "inlined", text))
        elif kind == "failure" and text and not text.startswith(("splitting region", "will not")):
            pending.setdefault(container, []).append(text)
        elif kind == "note" and ("fold-left" in text or "because of possible aliasing" in text):
            remarks.append(Remark(line, function, "note", text))
    return remarks


# --------------------------------------------------------------------------
# Clang: a YAML stream of "--- !Passed/!Missed/!Analysis..." documents with a
# fixed shape; read with a few patterns rather than a YAML dependency.

_DOC = re.compile(r"^--- !(\w+)\s*$", re.M)
_LOC = re.compile(r"\{\s*File:\s*(.*?),\s*Line:\s*(\d+)")


def _yaml_scalar(text: str) -> str:
    text = " ".join(line.strip() for line in text.strip().splitlines())
    if text.startswith("'") and text.endswith("'"):
        return text[1:-1].replace("''", "'")
    if text.startswith('"') and text.endswith('"'):
        return text[1:-1].replace('\\"', '"')
    return text


def _top_level(body: str) -> dict[str, str]:
    """Top-level ``Key: value`` of one document; a value runs on over indented lines."""
    fields: dict[str, str] = {}
    key = ""
    for line in body.splitlines():
        m = re.match(r"^(\w+):\s*(.*)$", line)
        if m:
            key = m.group(1)
            fields[key] = m.group(2)
        elif key and line.startswith(" "):
            fields[key] += "\n" + line
    return fields


def _args(text: str) -> str:
    """The message of an ``Args:`` list: its values in order, nested DebugLocs left out."""
    parts: list[str] = []
    current: list[str] | None = None
    for line in text.splitlines():
        item = re.match(r"^\s*- (\w+):\s*(.*)$", line)
        if item:
            if current is not None:
                parts.append(_yaml_scalar("\n".join(current)))
            current = [item.group(2)] if item.group(1) != "DebugLoc" else None
        elif re.match(r"^\s+\w+:\s", line):
            if current is not None:
                parts.append(_yaml_scalar("\n".join(current)))
            current = None  # a nested key (DebugLoc of a callee): not part of the words
        elif current is not None:
            current.append(line)
    if current is not None:
        parts.append(_yaml_scalar("\n".join(current)))
    return " ".join("".join(parts).split())


def _same_file(name: str, source: str) -> bool:
    # Clang names the file relative to the compilation directory when it can.
    return name == source or (not name.startswith("/") and source.endswith("/" + name))


_CLANG_PASSES = ("loop-vectorize", "inline")


def read_clang(path: str, source: str) -> list[Remark]:
    with open(path, encoding="utf-8", errors="replace") as f:
        stream = f.read()
    starts = list(_DOC.finditer(stream))
    base = source.rsplit("/", 1)[-1]
    remarks: list[Remark] = []
    pending: dict[str, list[str]] = {}
    for i, start in enumerate(starts):
        body = stream[start.end() : starts[i + 1].start() if i + 1 < len(starts) else len(stream)]
        if base not in body:
            continue
        fields = _top_level(body)
        if _yaml_scalar(fields.get("Pass", "")) not in _CLANG_PASSES:
            continue
        loc = _LOC.search(" ".join(fields.get("DebugLoc", "").split()))
        if not loc or not _same_file(_yaml_scalar(loc.group(1)), source):
            continue
        line = int(loc.group(2))
        text = _args(fields.get("Args", ""))
        function, kind = _yaml_scalar(fields.get("Function", "")), start.group(1)
        name = _yaml_scalar(fields.get("Name", ""))
        if _yaml_scalar(fields["Pass"]) == "inline":
            remarks.append(
                Remark(line, function, "inlined" if kind == "Passed" else "not-inlined", text)
            )
        elif kind == "Passed" and name == "Vectorized":
            pending.pop(function, None)
            remarks.append(Remark(line, function, "vectorized", text))
        elif kind == "Missed" and text.startswith("loop not vectorized"):
            reasons = pending.pop(function, [])
            if text != "loop not vectorized":
                reasons.append(text)
            remarks.append(Remark(line, function, "not-vectorized", text, reasons=reasons))
        elif kind.startswith("Analysis"):
            pending.setdefault(function, []).append(text)
    return remarks


# --------------------------------------------------------------------------
# Names: mangled -> "compute<int>" (what a reader calls the instance).


def demangle(names: Iterable[str]) -> dict[str, str]:
    names = sorted(set(n for n in names if n))
    tool = shutil.which("c++filt")
    if not names or tool is None:
        return {n: n for n in names}
    try:
        out = subprocess.run(
            [tool], input="\n".join(names) + "\n", capture_output=True, text=True, timeout=30
        ).stdout.splitlines()
    except (OSError, subprocess.SubprocessError):
        return {n: n for n in names}
    return dict(zip(names, out, strict=True)) if len(out) == len(names) else {n: n for n in names}


_GCC_TYPE_NAMES = (("long long int", "long long"), ("long int", "long"), ("short int", "short"))


def short_name(demangled: str) -> str:
    """A function's name as its reader writes it (see _short_name)."""
    name = _short_name(demangled)
    name = re.sub(r"\._omp_fn\.\d+$|\.omp_outlined.*$", "", name)
    for gcc, plain in _GCC_TYPE_NAMES:
        name = name.replace(gcc, plain)
    return name


def _short_name(demangled: str) -> str:
    """``pyx::array<int, 2> compute<int>(pyx::...) [clone ._omp_fn.0]`` -> ``compute<int>``;
    GCC's ``... compute(...) [with T = int]`` -> ``compute<int>`` too."""
    text = re.sub(r" \[clone [^\]]*\]", "", demangled)
    bound = re.search(r" \[with (.*)\]$", text)
    if bound:
        text = text[: bound.start()]
        values = [part.split(" = ", 1)[-1].strip() for part in bound.group(1).split("; ")]
        return _short_name(text) + "<" + ", ".join(values) + ">"
    depth = 0
    for i, ch in enumerate(text):
        if ch in "<[":
            depth += 1
        elif ch in ">]":
            depth -= 1
        elif ch == "(" and depth == 0:
            head = text[:i]
            break
    else:
        head = text
    # The last space outside <...> separates the return type from the name.
    depth, cut = 0, 0
    for i, ch in enumerate(head):
        if ch == "<":
            depth += 1
        elif ch == ">":
            depth -= 1
        elif ch == " " and depth == 0:
            cut = i + 1
    return head[cut:].strip() or demangled


def export_inside(demangled: str) -> str:
    """Clang (and the machine code) name the function code ended up in: an export
    inlined into its wrapper is in ``pyx::detail::invoke_impl<&(total<double>(...)), ...>``;
    this gives ``total<double>(...), ...`` for it, and other names unchanged."""
    at = demangled.find("invoke_impl<&(")
    return demangled[at + len("invoke_impl<&(") :] if at >= 0 else demangled


def is_generated(demangled: str) -> bool:
    """Wrappers and runtime functions: the user's code inlined into them repeats
    what its own function already reports."""
    return short_name(demangled).startswith(("pyx_w_", "pyx::", "pyx_"))


def label_instances(remarks: list[Remark]) -> list[Remark]:
    """Fills ``instance`` and drops the copies inlined into generated code."""
    names = demangle(r.function for r in remarks)
    kept = []
    for r in remarks:
        full = export_inside(names.get(r.function, r.function))
        if is_generated(full):
            continue
        r.instance = short_name(full)
        kept.append(r)
    return kept
