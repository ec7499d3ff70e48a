"""Benchmark: warm import of a cached module that includes many headers,
with the stat fast path of header validation (issue 15, target 1) and
without it, side by side in one run.

The module includes N user headers of about 20 kB each. Its published entry
records each header's (size, mtime, ctime, inode); a copy of that entry,
rewritten as a format-1 manifest (no stat lines: what every entry was before
the fast path), makes the store hash every header on each hit, as it did
before. Both are timed in fresh processes, interleaved, from after
`import numpy` to the end of the import (a paired in-process measurement).
"""

from __future__ import annotations

import glob
import os
import shutil

from common import Context, Result, Target, fmt, run_python, stats, table

NAME = "header_validation"
TITLE = "Warm import of a module with many headers: stat fast path vs re-hashing"

TIMER = (
    "import sys, time, numpy; sys.path.insert(0, {src!r}); t0 = time.perf_counter(); "
    "import cxximport; cxximport.install(); import many_headers; "
    "assert many_headers.__spec__.loader_state['built'] is False; "
    "print(time.perf_counter() - t0)"
)


def _write_module(src: str, headers: int) -> None:
    os.makedirs(src, exist_ok=True)
    lines = []
    for i in range(headers):
        body = "".join(f"// filler line {j:04d} of header {i:03d}, to give it some size\n"
                       for j in range(300))
        with open(os.path.join(src, f"h{i:03d}.hpp"), "w") as f:
            f.write(f"#pragma once\n{body}inline int h{i:03d}() {{ return {i}; }}\n")
        lines.append(f'#include "h{i:03d}.hpp"')
    lines.append(f"PYX_EXPORT int value() {{ return h000() + h{headers - 1:03d}(); }}")
    with open(os.path.join(src, "many_headers.cxxpyx"), "w") as f:
        f.write("\n".join(lines) + "\n")


def _strip_stat_lines(manifest: str) -> None:
    with open(manifest) as f:
        text = f.read()
    kept = [line for line in text.splitlines(keepends=True) if not line.startswith("stat")]
    kept[0] = "cxximport-manifest 1\n"
    with open(manifest, "w") as f:
        f.write("".join(kept))


def run(ctx: Context) -> Result:
    res = Result(NAME, TITLE)
    headers = 50 if ctx.quick else 200
    reps = 5 if ctx.quick else 15
    src = ctx.path("many-headers", "src", "x")
    src = os.path.dirname(src)
    _write_module(src, headers)
    fast, slow = ctx.fresh_dir("hv-fast"), ctx.fresh_dir("hv-hash")
    code = TIMER.format(src=src).replace("assert many_headers.__spec__.loader_state['built'] "
                                         "is False; ", "")
    run_python(code, {"CXXIMPORT_CACHE_DIR": fast})  # build once
    shutil.rmtree(slow)
    shutil.copytree(fast, slow, symlinks=True)
    manifests = glob.glob(os.path.join(slow, "v1", "entries", "*", "*", "manifest"))
    assert len(manifests) == 1, manifests
    _strip_stat_lines(manifests[0])
    # Built again now that the headers are older than the race margin (one
    # second) at the record: its stat tuples are trusted.
    shutil.rmtree(fast)
    run_python(code, {"CXXIMPORT_CACHE_DIR": fast})
    cases = [("stat fast path (this change)", fast), ("hash every header (before)", slow)]
    timer = TIMER.format(src=src)
    for _label, cache in cases:
        run_python(timer, {"CXXIMPORT_CACHE_DIR": cache})  # warm the OS's file cache
    samples: dict[str, list[float]] = {label: [] for label, _ in cases}
    for _ in range(reps):
        for label, cache in cases:
            _wall, out = run_python(timer, {"CXXIMPORT_CACHE_DIR": cache})
            samples[label].append(float(out.strip().splitlines()[-1]))
    fast_min, fast_med = stats(samples[cases[0][0]])
    slow_min, slow_med = stats(samples[cases[1][0]])
    rows = [[label, fmt(stats(s)[0], "ms"), fmt(stats(s)[1], "ms")] for label, s in samples.items()]
    rows.append(["ratio (before / after)", f"{slow_min / fast_min:.2f}×",
                 f"{slow_med / fast_med:.2f}×"])
    size = sum(os.path.getsize(p) for p in glob.glob(os.path.join(src, "*.hpp")))
    res.sections.append(
        f"{headers} headers ({size / 1e6:.1f} MB in all), {reps} runs each (interleaved); "
        "in-process time after `import numpy` of `import cxximport; install(); import "
        "many_headers` (a cache hit), in ms.\n\n" + table(["validation", "min", "median"], rows))
    res.targets.append(Target(f"warm import with {headers} headers: stat fast path vs re-hashing",
                              f"{fast_min * 1e3:.2f} ms vs {slow_min * 1e3:.2f} ms (min)",
                              "faster", fast_min < slow_min))
    return res
