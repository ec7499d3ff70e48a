"""The compile ``cxximport annotate`` adds to the import's build, and what it reads
back: the cache entry's compiler and flags (its ``build.ninja``), one more compile
of its ``module.cpp`` with ``-g`` and optimisation records into a private
directory, the machine code per source line (``objdump -dl``) and the wrappers'
spans (``wrappers.map``).
"""

from __future__ import annotations

import glob
import os
import re
import shlex
import shutil
import subprocess

from . import _optrecords as records


def _ninja_vars(path: str) -> dict[str, str]:
    values = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            m = re.match(r"^(\w+) = (.*)$", line.rstrip("\n"))
            if m:
                values[m.group(1)] = m.group(2).replace("$$", "$")
    return values


_LAUNCHERS = {"ccache", "sccache", "distcc", "icecc"}


def entry_command(entry_dir: str) -> tuple[list[str], list[str]]:
    """The compiler (launcher removed) and cxxflags the entry was compiled with."""
    values = _ninja_vars(os.path.join(entry_dir, "build.ninja"))
    cxx = shlex.split(values.get("cxx", "c++"))
    while len(cxx) > 1 and os.path.basename(cxx[0]) in _LAUNCHERS:
        cxx = cxx[1:]
    return cxx, shlex.split(values.get("cxxflags", ""))


def compiler_family(cxx: list[str]) -> tuple[str, str]:
    """("gcc" | "clang" | "", first line of --version)."""
    try:
        out = subprocess.run([*cxx, "--version"], capture_output=True, text=True, timeout=60).stdout
    except (OSError, subprocess.SubprocessError):
        return "", ""
    first = out.splitlines()[0] if out else ""
    if "clang" in out.lower():
        return "clang", first
    if "Free Software Foundation" in out or re.search(r"\b(g\+\+|gcc|GCC)\b", out):
        return "gcc", first
    return "", first


def compile_with_records(
    cxx: list[str], flags: list[str], entry_dir: str, tmp: str, family: str
) -> tuple[str, str, str]:
    """Compiles module.cpp into tmp with records; returns (records path, why missing)."""
    obj = os.path.join(tmp, "module.o")
    # Full -g, not the cheaper -g1: GCC places its loop records by the first located
    # statement of a loop, and -g1 (no debug binds) moves them.
    base = [*cxx, *flags, "-g", "-c", os.path.join(entry_dir, "module.cpp"), "-o", obj]
    extra = []
    if family == "clang":
        extra = ["-fsave-optimization-record", f"-foptimization-record-file={tmp}/module.opt.yaml"]
    elif family == "gcc":
        extra = ["-fsave-optimization-record"]
    run = subprocess.run(base[:-3] + extra + base[-3:], capture_output=True, text=True, cwd=tmp)
    if run.returncode != 0 and extra:
        reason = (run.stderr.strip().splitlines() or ["it failed"])[-1]
        run = subprocess.run(base, capture_output=True, text=True, cwd=tmp)
        missing = f"the compiler rejected -fsave-optimization-record ({reason})"
    else:
        missing = "" if extra else "the compiler is neither GCC nor Clang: no optimisation records"
    if run.returncode != 0:
        raise RuntimeError(f"cxximport annotate: recompiling failed:\n{run.stderr[-4000:]}")
    found = glob.glob(os.path.join(tmp, "*.opt-record.json.gz")) + glob.glob(
        os.path.join(tmp, "*.opt.yaml")
    )
    if not found and not missing:
        missing = "the compiler wrote no optimisation records (GCC >= 9 or Clang writes them)"
    return obj, (found[0] if found else ""), missing


_FUNC = re.compile(r"^[0-9a-f]+ <(.*)>:$")
_LOC = re.compile(r"^(/.*|[^\s:][^:]*):(\d+)(?: \(discriminator \d+\))?$")
_INSN = re.compile(r"^\s+([0-9a-f]+):\t(.*)$")
_RELOC = re.compile(r"^\s+[0-9a-f]+: R_\w+\s+(.*)$")


def machine_code(obj: str, source: str) -> dict[int, dict[str, list[str]]]:
    """source line -> function -> instructions (with the symbols they call)."""
    tool = shutil.which("objdump")
    if tool is None:
        return {}
    out = subprocess.run(
        [tool, "-dlrC", "--no-show-raw-insn", "-M", "intel", obj],
        capture_output=True,
        text=True,
        timeout=300,
    ).stdout
    code: dict[int, dict[str, list[str]]] = {}
    function, line, last = "", 0, None
    for text in out.splitlines():
        if m := _FUNC.match(text):
            function, line = records.short_name(records.export_inside(m.group(1))), 0
        elif m := _LOC.match(text):
            line = int(m.group(2)) if os.path.abspath(m.group(1)) == source else 0
        elif (m := _INSN.match(text)) and line:
            last = code.setdefault(line, {}).setdefault(function, [])
            insn = " ".join(m.group(2).split())
            # Jump targets name the whole (long, demangled) function: keep the offset.
            insn = re.sub(r" <.*\+(0x[0-9a-f]+)>$", r" <+\1>", insn)
            last.append(f"{m.group(1):>6}  {insn}")
        elif (m := _RELOC.match(text)) and line and last:
            last[-1] += f"    ; -> {m.group(1).split('-0x')[0]}"
        elif not text.strip():
            last = None if not line else last
    return code


def wrappers_of(entry_dir: str) -> dict[int, tuple[str, str]]:
    """source line -> (export name, wrapper code), from wrappers.map."""
    try:
        with open(os.path.join(entry_dir, "wrappers.map"), encoding="utf-8") as f:
            spans = [line.split() for line in f if line.strip()]
        with open(os.path.join(entry_dir, "module.cpp"), encoding="utf-8") as f:
            cpp = f.read().splitlines()
    except OSError:
        return {}
    out = {}
    for span in spans:
        first, last, src_line, name = int(span[0]), int(span[1]), int(span[2]), span[3]
        out[src_line] = (name, "\n".join(cpp[first - 1 : last]))
    return out
