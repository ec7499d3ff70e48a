"""Issue 10's class probes counted in instructions with valgrind's callgrind,
the repeatable companion of bench_classes.py on a loaded machine (time there
moves by 2-3× with the load; instruction counts move by a few instructions).

    python benchmarks/run.py --only classes --keep      # builds the four modules
    python benchmarks/bench_classes_callgrind.py /tmp/cxximport-bench-XXXX [LABEL=MODULE:PATH ...]

The extra LABEL=MODULE:PATH columns are other builds of the same Pair (e.g.
an older cxximport's classes.*.so, MODULE `classes`), for before/after.

Each probe runs in a function in a new process (NumPy imported first in every
process, as every cxximport module imports it) for 1,000 and for 101,000
iterations; the difference / 100,000 is the cost of one iteration, less the
cost of an iteration of `pass` in the same module's process (the `pass` row).
That loop cost differs by up to 70 instructions between processes (memory
layout), so differences smaller than that mean nothing; callgrind's
per-function inclusive counts (callgrind_annotate --inclusive=yes) of one
run are the finer tool.
"""

from __future__ import annotations

import glob
import os
import re
import subprocess
import sys

PROBES = ["p.add(1.0, 2.0)", "p.x", "p.x = 1.0", "P(1.0)", "pass"]

CHILD = """
import numpy, importlib.machinery, importlib.util, sys
path, name, stmt, n = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
loader = importlib.machinery.ExtensionFileLoader(name, path)
spec = importlib.util.spec_from_file_location(name, path, loader=loader)
m = importlib.util.module_from_spec(spec)
loader.exec_module(m)
g = {}
exec(f"def run(p, P, n):\\n    for _ in range(n):\\n        {stmt}\\n", g)
g["run"](m.Pair(1.0), m.Pair, n)
"""


def modules(work: str) -> list[tuple[str, str, str]]:
    """(label, module name, path) of the four builds in a --keep work dir."""
    found = []
    for label, name, pattern in [
        ("hand-written C API type", "classes_floor", "classes_floor/classes_floor.*.so"),
        ("cxximport", "classes", "cxx-cache/**/classes.*.so"),
        ("Cython cdef class", "classes_cy", "pyxbld/**/classes_cy.*.so"),
        ("nanobind", "classes_nb", "nanobind-classes/build/classes_nb.*.so"),
    ]:
        paths = sorted(glob.glob(os.path.join(work, pattern), recursive=True), key=os.path.getmtime)
        if paths:
            found.append((label, name, paths[-1]))
    return found


def instructions(path: str, name: str, stmt: str, n: int) -> int:
    cmd = [
        "valgrind",
        "--tool=callgrind",
        "--callgrind-out-file=/dev/null",
        sys.executable,
        "-c",
        CHILD,
        path,
        name,
        stmt,
        str(n),
    ]
    p = subprocess.run(
        cmd, capture_output=True, text=True, env={**os.environ, "PYTHONHASHSEED": "0"}
    )
    m = re.search(r"Collected : (\d+)", p.stderr)
    if p.returncode != 0 or not m:
        raise RuntimeError(f"{name} [{stmt}]: {p.stderr[-800:]}")
    return int(m.group(1))


def main() -> None:
    mods = modules(sys.argv[1])
    for extra in sys.argv[2:]:
        label, rest = extra.split("=", 1)
        name, path = rest.split(":", 1)
        mods.append((label, name, path))
    rows = {}
    for label, name, path in mods:
        for stmt in PROBES:
            small, large = (instructions(path, name, stmt, n) for n in (1_000, 101_000))
            rows[(label, stmt)] = (large - small) / 100_000
    labels = [lab for lab, _, _ in mods]
    print(
        "Instructions per operation (the loop's own `pass` cost subtracted; ratio to the floor)\n"
    )
    print("| operation | " + " | ".join(labels) + " |")
    print("| --- |" + " ---: |" * len(labels))
    for stmt in PROBES:
        net = {
            lab: rows[(lab, stmt)] - (rows[(lab, "pass")] if stmt != "pass" else 0)
            for lab in labels
        }
        floor = net[labels[0]]
        cells = [
            f"{net[lab]:.0f}" + (f" ({net[lab] / floor:.2f}×)" if stmt != "pass" else "")
            for lab in labels
        ]
        print(f"| `{stmt}` | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
