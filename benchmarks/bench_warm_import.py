"""Benchmark 3: warm import (a cache hit) in a new process.

Wall time of whole `python -c ...` processes, interleaved round robin:
`import numpy` alone, then numpy plus a cxximport cache hit of
compute_prange, numpy plus a pyximport cache hit of compute_cy_prange, and
two references (`pass`, and numpy plus `import cxximport; install()` without
importing a module, which splits cxximport's overhead into "package" and
"hit path"). The overhead of each is its time minus `import numpy`'s. A
`python -X importtime` run lists what the cxximport hit imports beyond numpy.
"""

from __future__ import annotations

import os
import subprocess
import sys

from common import (COMPETITORS, EXAMPLES, Context, Result, Target, bar_chart, fmt,
                    run_python, stats, table)

NAME = "warm_import"
TITLE = "3. Warm import in a new process (cache hit)"


def importtime(code: str, env: dict[str, str], cwd: str) -> dict[str, tuple[int, int]]:
    """{module: (self us, cumulative us)} from python -X importtime."""
    p = subprocess.run([sys.executable, "-X", "importtime", "-c", code],
                       env={**os.environ, **env}, cwd=cwd, capture_output=True, text=True)
    out = {}
    for line in p.stderr.splitlines():
        if not line.startswith("import time:") or "self [us]" in line:
            continue
        self_us, cum_us, name = (x.strip() for x in line[len("import time:"):].split("|"))
        out[name.strip()] = (int(self_us), int(cum_us))
    return out


def run(ctx: Context) -> Result:
    res = Result(NAME, TITLE)
    reps = 5 if ctx.quick else 20
    cxx_cache = ctx.fresh_dir("warm-cxx")
    pyx_build = ctx.fresh_dir("warm-pyx")
    cxx_env = {"CXXIMPORT_CACHE_DIR": cxx_cache}
    hit_cxx = "import numpy; import cxximport; cxximport.install(); import compute_prange"
    hit_pyx = ("import numpy; import pyximport; pyximport.install(build_dir="
               f"{pyx_build!r}, language_level=3); import compute_cy_prange")
    cases = [
        ("python -c pass", "pass", {}, None),
        ("import numpy", "import numpy", {}, None),
        ("numpy + import cxximport; install()",
         "import numpy; import cxximport; cxximport.install()", cxx_env, EXAMPLES),
        ("numpy + cxximport hit (compute_prange)", hit_cxx, cxx_env, EXAMPLES),
    ]
    notes = res.notes
    try:
        run_python(hit_pyx, cwd=COMPETITORS)  # warm the pyximport build dir
        cases.append(("numpy + pyximport hit (compute_cy_prange)", hit_pyx, {}, COMPETITORS))
    except RuntimeError as e:
        notes.append(f"pyximport: skipped — {str(e)[-300:]}")
    run_python(hit_cxx, cxx_env, cwd=EXAMPLES)  # warm the cxximport cache
    for label, code, env, cwd in cases:  # and the OS's file cache
        run_python(code, env, cwd=cwd)

    samples: dict[str, list[float]] = {c[0]: [] for c in cases}
    for _ in range(reps):
        for label, code, env, cwd in cases:
            wall, _ = run_python(code, env, cwd=cwd)
            samples[label].append(wall)

    base_min, base_med = stats(samples["import numpy"])
    rows = []
    for label, *_ in cases:
        lo, med = stats(samples[label])
        rows.append([label, fmt(lo, "ms"), fmt(med, "ms"),
                     fmt(lo - base_min, "ms"), fmt(med - base_med, "ms")])
    res.sections.append(
        f"Wall time of the whole process, {reps} runs each (interleaved), in ms; "
        "overhead = minus `import numpy`.\n\n"
        + table(["process", "min", "median", "overhead (min)", "overhead (median)"], rows))
    labels = [c[0] for c in cases]
    res.charts.append(bar_chart(NAME, labels, [min(samples[x]) * 1e3 for x in labels],
                                [stats(samples[x])[1] * 1e3 for x in labels],
                                "ms per process", "Warm import in a new process",
                                highlight=lambda s: "cxximport" in s))

    # What the hit imports beyond numpy (self time, us).
    numpy_only = importtime("import numpy", {}, EXAMPLES)
    hit = importtime(hit_cxx, cxx_env, EXAMPLES)
    extra = sorted(((m, t) for m, t in hit.items() if m not in numpy_only),
                   key=lambda kv: -kv[1][0])
    if extra:
        total = sum(t[0] for _m, t in extra)
        rows = [[m, str(s), str(c)] for m, (s, c) in extra[:12]]
        res.sections.append(
            f"`python -X importtime`: modules the cxximport hit imports beyond numpy "
            f"({len(extra)} modules, {total / 1e3:.1f} ms self time in total; top 12):\n\n"
            + table(["module", "self µs", "cumulative µs"], rows))

    hit_label = "numpy + cxximport hit (compute_prange)"
    over_min = min(samples[hit_label]) - base_min
    over_med = stats(samples[hit_label])[1] - base_med
    res.targets.append(Target("warm import: cxximport hit overhead over `import numpy`",
                              f"{over_min * 1e3:.1f} ms (min), {over_med * 1e3:.1f} ms (median)",
                              "≤ 3 ms", over_min <= 0.003))
    return res
