"""Scanner speed on hostile inputs (issue 14): `_core.scan` time for long
chains of comparisons (once exponential: 2.4 s for 22), deep nesting (at the
limit, and 100,000 levels that must be refused, not crash), and the
examples. Standalone, not part of run.py:

    python benchmarks/bench_scan.py

Prints a markdown table with the best of 5 runs per input and PASS/MISS
against the target (1,000 comparisons in under a second).
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from cxximport import _core

REPO = Path(__file__).resolve().parent.parent


def chain(n: int) -> str:
    expr = " && ".join(f"a{i} < b{i}" for i in range(n))
    return f"PYX_EXPORT int f(bool x = {expr}, int y = 1) {{ return x; }}\n"


def nested(depth: int) -> str:
    return f"PYX_EXPORT int f(int x = {'(' * depth}1{')' * depth}) {{ return x; }}\n"


def best_of(path: Path, runs: int = 5) -> tuple[float, str]:
    best, outcome = float("inf"), ""
    for _ in range(runs):
        start = time.perf_counter()
        try:
            _core.scan(str(path))
            outcome = "scanned"
        except _core.ScanError as e:
            outcome = "ScanError: " + str(e).split(": ", 1)[1][:40]
        best = min(best, time.perf_counter() - start)
    return best, outcome


def main() -> None:
    inputs = [(f"{n} comparisons", chain(n)) for n in (22, 100, 1_000, 10_000)]
    inputs += [("nesting 255 (limit)", nested(255)), ("nesting 100,000", nested(100_000))]
    inputs += [(p.name, p.read_text()) for p in sorted((REPO / "examples").rglob("*.cxxpyx"))]
    print("| input | bytes | best of 5 | outcome |\n|---|---:|---:|---|")
    target = None
    with tempfile.TemporaryDirectory() as tmp:
        for label, text in inputs:
            path = Path(tmp) / "m.cxxpyx"
            path.write_text(text)
            seconds, outcome = best_of(path)
            if label == "1000 comparisons":
                target = seconds
            print(f"| {label} | {len(text):,} | {seconds * 1e3:.2f} ms | {outcome} |")
    verdict = "PASS" if target is not None and target < 1.0 else "MISS"
    print(f"\ntarget: 1,000 comparisons in < 1 s: {verdict} ({target * 1e3:.2f} ms)")


if __name__ == "__main__":
    main()
