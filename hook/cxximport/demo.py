"""``cxximport demo``: the seed tutorial ("Cython for NumPy users"), step by step.

Builds each step's ``.cxxpyx`` from ``examples/numpy_tutorial`` (installed
inside the package as ``cxximport/examples/numpy_tutorial``), checks every
result against NumPy's ``np.clip(array_1, 2, 10) * a + array_2 * b + c`` on
the tutorial's 3000 x 2000 ``np.intc`` arrays (and on float64 and int64 for
the fused steps), times NumPy and each step, and prints a table.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

from ._loader import CompileError

A, B, C = 4, 3, 9
FULL_SHAPE = (3000, 2000)
QUICK_SHAPE = (300, 200)


@dataclass(frozen=True)
class Step:
    name: str  # file stem and module name
    changed: str  # what this step changes, one short line as in the tutorial
    fused: bool = False  # also checked on float64 and int64


STEPS = (
    Step("compute_typed", "typed scalars and indices; arrays read with checked .at(x, y)"),
    Step("compute_memview", "strided views, int[:, :]; bounds checks on"),
    Step("compute_index", "unchecked v(x, y): boundscheck(False), wraparound(False)"),
    Step("compute_contiguous", "C-contiguous views, int[:, ::1]"),
    Step("compute_fused", "fused types: one function for int, double, long long", fused=True),
    Step("compute_prange", "OpenMP: the outer loop in parallel (prange)", fused=True),
)

NUMPY_FORMULA = "np.clip(array_1, 2, 10) * a + array_2 * b + c"


def examples_dir(explicit: str | None = None) -> Path:
    """The tutorial's .cxxpyx files: given, installed in the package, or the checkout's."""
    if explicit:
        return Path(explicit).resolve()
    here = Path(__file__).resolve().parent
    for candidate in (
        here / "examples" / "numpy_tutorial",
        here.parent.parent / "examples" / "numpy_tutorial",
    ):
        if (candidate / f"{STEPS[0].name}.cxxpyx").is_file():
            return candidate
    return here / "examples" / "numpy_tutorial"


def compute_np(array_1: Any, array_2: Any, a: Any, b: Any, c: Any) -> Any:
    import numpy as np

    return np.clip(array_1, 2, 10) * a + array_2 * b + c


def same_result(got: Any, expected: Any) -> bool:
    import numpy as np

    return (
        isinstance(got, np.ndarray)
        and got.dtype == expected.dtype
        and got.shape == expected.shape
        and bool(np.array_equal(got, expected))
    )


def tutorial_arrays(shape: tuple[int, int]) -> tuple[Any, Any]:
    import numpy as np

    rng = np.random.default_rng(0)
    array_1 = rng.uniform(0, 1000, size=shape).astype(np.intc)
    array_2 = rng.uniform(0, 1000, size=shape).astype(np.intc)
    return array_1, array_2


def time_calls(fn: Callable[[], Any], repeat: int) -> tuple[float, float]:
    """Best and median wall time of repeat calls, in seconds, after one warm-up call."""
    fn()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times), statistics.median(times)


class _BuildLine:
    """Progress for one step's build: rewritten in place on a terminal."""

    def __init__(self, label: str):
        self.label = label
        self.tty = sys.stdout.isatty()

    def __call__(self, event: str, message: Any = "") -> None:
        if event == "building" and self.tty:
            try:
                seconds = float(str(message).split()[0].rstrip("s"))
            except (ValueError, IndexError):
                return
            sys.stdout.write(f"\r  building {self.label} ... {seconds:.1f} s")
            sys.stdout.flush()
        elif event == "wait":
            sys.stdout.write(f"\r  {self.label}: {message}\n")

    def done(self, text: str) -> None:
        sys.stdout.write(("\r" if self.tty else "") + f"  {self.label:<26} {text}\n")
        sys.stdout.flush()


def _build_steps(directory: Path, options: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    from . import load

    modules: dict[str, Any] = {}
    problems: list[str] = []
    for step in STEPS:
        path = directory / f"{step.name}.cxxpyx"
        line = _BuildLine(path.name)
        start = time.perf_counter()
        try:
            module = load(path, module=step.name, progress=line, **options)
        except (CompileError, ImportError) as exc:
            line.done("FAILED")
            problems.append(f"{step.name}: build failed:\n{exc}")
            continue
        seconds = time.perf_counter() - start
        state = (module.__spec__.loader_state if module.__spec__ else None) or {}
        line.done(f"{'built in' if state.get('built') else 'cached,'} {seconds:.2f} s")
        modules[step.name] = module
    return modules, problems


def _check_step(step: Step, module: Any, array_1: Any, array_2: Any) -> list[str]:
    import numpy as np

    problems = []
    dtypes = (np.intc, np.float64, np.int64) if step.fused else (np.intc,)
    for dtype in dtypes:
        x1, x2 = array_1.astype(dtype), array_2.astype(dtype)
        expected = compute_np(x1, x2, A, B, C)
        try:
            got = module.compute(x1, x2, A, B, C)
        except Exception as exc:  # report it as a wrong result, keep going
            problems.append(f"{step.name} ({np.dtype(dtype).name}): raised {exc!r}")
            continue
        if not same_result(got, expected):
            detail = getattr(got, "dtype", type(got).__name__)
            problems.append(
                f"{step.name} ({np.dtype(dtype).name}): result differs from NumPy's ({detail})"
            )
    return problems


def run(args: argparse.Namespace) -> int:
    quick = bool(getattr(args, "quick", False))
    repeat = getattr(args, "repeat", None) or (3 if quick else 7)
    shape = QUICK_SHAPE if quick else FULL_SHAPE
    directory = examples_dir(getattr(args, "examples", None))
    options: dict[str, Any] = {}
    if getattr(args, "cache_dir", None):
        options["cache_dir"] = args.cache_dir

    threads = os.environ.get("OMP_NUM_THREADS") or str(os.cpu_count() or 1)
    print("cxximport demo: the Cython NumPy tutorial, step by step, as .cxxpyx files")
    print(f"  examples: {directory}")
    modules, problems = _build_steps(directory, options)

    array_1, array_2 = tutorial_arrays(shape)
    print(
        f"\narrays: {shape[0]} x {shape[1]} np.intc, a={A}, b={B}, c={C}; "
        f"best and median of {repeat} runs; OpenMP threads: {threads}\n"
    )
    for step in STEPS:
        if step.name in modules:
            problems += _check_step(step, modules[step.name], array_1, array_2)

    np_best, np_median = time_calls(lambda: compute_np(array_1, array_2, A, B, C), repeat)
    rows = [("NumPy", NUMPY_FORMULA, np_best, np_median)]
    for step in STEPS:
        module = modules.get(step.name)
        if module is None:
            continue

        def call(m: ModuleType = module) -> object:
            return m.compute(array_1, array_2, A, B, C)

        best, median = time_calls(call, repeat)
        rows.append((step.name, step.changed, best, median))

    from ._table import format_table

    headers = ("step", "what it changed", "best ms", "median ms", "vs NumPy")
    table = [
        (name, changed, f"{best * 1e3:.2f}", f"{median * 1e3:.2f}", f"{np_best / best:.1f}x")
        for name, changed, best, median in rows
    ]
    print(format_table(headers, table, right=(2, 3, 4)))
    print()
    if problems:
        print("FAILED:", file=sys.stderr)
        for problem in problems:
            print(f"  {problem}", file=sys.stderr)
        return 1
    print(
        f"all {len(modules)} steps equal NumPy's result "
        f"(np.intc; float64 and int64 too for the fused steps)"
    )
    if getattr(args, "annotate", False):
        return _annotate_steps(directory, Path(args.annotate_dir), options)
    return 0


def _annotate_steps(directory: Path, out_dir: Path, options: dict[str, Any]) -> int:
    """One ``cxximport annotate`` report per step, with the import's options
    (so the cached builds are reused), and a line of each report's story."""
    from concurrent.futures import ThreadPoolExecutor

    from . import annotate

    out_dir.mkdir(parents=True, exist_ok=True)
    print(f"\nannotated reports (cxximport annotate), in {out_dir.resolve()}:")

    def one(step: Step) -> Any:
        try:
            return annotate(directory / f"{step.name}.cxxpyx", module=step.name, **options)
        except (CompileError, ImportError, OSError, RuntimeError) as exc:
            return exc

    # The steps are built already: what is left is one compile each, independent.
    with ThreadPoolExecutor(max_workers=min(4, os.cpu_count() or 1)) as pool:
        results = list(pool.map(one, STEPS))
    failed = 0
    for step, report in zip(STEPS, results, strict=True):
        if isinstance(report, BaseException):
            print(f"  {step.name:<20} FAILED: {report}", file=sys.stderr)
            failed += 1
            continue
        target = report.save(str(out_dir / f"{step.name}.html"))
        print(f"  {step.name:<20} {report.story()}\n  {'':<20} {target}")
    return 1 if failed else 0
