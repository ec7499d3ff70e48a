"""Shared helpers of the benchmarks: timing, tables, charts, machine and
version records, the benchmark context (work directory, built competitors).

Every benchmark module exposes ``NAME``, ``TITLE`` and ``run(ctx) -> Result``.
Nothing here writes into the source tree except ``benchmarks/results/``.
"""

from __future__ import annotations

import datetime
import importlib
import importlib.metadata
import os
import platform
import shutil
import statistics
import subprocess
import sys
import sysconfig
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
RESULTS = os.path.join(HERE, "results")
COMPETITORS = os.path.join(HERE, "competitors")
EXAMPLES = os.path.join(REPO, "examples", "numpy_tutorial")
EXT_SUFFIX = sysconfig.get_config_var("EXT_SUFFIX")


class Skip(Exception):
    """A competitor cannot run here; the message goes into the output."""


# --------------------------------------------------------------------------
# Results.


@dataclass
class Target:
    what: str
    measured: str
    goal: str
    ok: bool | None  # None: could not be measured

    @property
    def verdict(self) -> str:
        return "n/a" if self.ok is None else ("PASS" if self.ok else "MISS")


@dataclass
class Result:
    name: str
    title: str
    sections: list[str] = field(default_factory=list)  # markdown blocks
    targets: list[Target] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    charts: list[str] = field(default_factory=list)  # absolute paths
    data: dict[str, Any] = field(default_factory=dict)

    def markdown(self, relative_to: str = HERE) -> str:
        out = [f"## {self.title}", ""]
        for block in self.sections:
            out += [block, ""]
        for chart in self.charts:
            out += [f"![{self.title}]({os.path.relpath(chart, relative_to)})", ""]
        if self.targets:
            out += [table(["target", "measured", "goal", "verdict"],
                          [[t.what, t.measured, t.goal, t.verdict] for t in self.targets]), ""]
        for note in self.notes:
            out.append(f"- {note}")
        if self.notes:
            out.append("")
        return "\n".join(out)


def table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """A GitHub markdown table; numeric-looking columns are right-aligned."""
    cells = [[str(c) for c in r] for r in rows]
    def numeric(i: int) -> bool:
        def num(c: str) -> bool:
            try:
                float(c.split()[0].rstrip("×"))
                return len(c.split()) <= 4
            except (ValueError, IndexError):
                return c in ("", "—")
        return all(num(c[i]) for c in cells)
    align = ["---:" if cells and numeric(i) else "---" for i in range(len(headers))]
    lines = ["| " + " | ".join(headers) + " |", "| " + " | ".join(align) + " |"]
    lines += ["| " + " | ".join(r) + " |" for r in cells]
    return "\n".join(lines)


# --------------------------------------------------------------------------
# Timing.


def stats(samples: Sequence[float]) -> tuple[float, float]:
    return min(samples), statistics.median(samples)


def time_calls(fn: Callable[[], Any], runs: int, warmup: int = 3) -> list[float]:
    """Seconds per call of fn(), one sample per call."""
    for _ in range(warmup):
        fn()
    samples = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - t0)
    return samples


def run_python(code: str, env: dict[str, str] | None = None, cwd: str | None = None,
               check: bool = True) -> tuple[float, str]:
    """Runs ``python -c code`` in a new process; (wall seconds, stdout)."""
    full_env = dict(os.environ)
    full_env.update(env or {})
    t0 = time.perf_counter()
    p = subprocess.run([sys.executable, "-c", code], env=full_env, cwd=cwd,
                       capture_output=True, text=True)
    wall = time.perf_counter() - t0
    if check and p.returncode != 0:
        raise RuntimeError(f"python -c {code!r} failed ({p.returncode}):\n{p.stderr[-3000:]}")
    return wall, p.stdout


def loadavg() -> str:
    try:
        return " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "?"


# --------------------------------------------------------------------------
# Machine and versions.


def _first_line(cmd: Sequence[str]) -> str:
    try:
        out = subprocess.run(list(cmd), capture_output=True, text=True, timeout=30)
        return (out.stdout or out.stderr).strip().splitlines()[0]
    except (OSError, IndexError, subprocess.SubprocessError):
        return "not found"


def cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def package_version(name: str) -> str:
    try:
        return importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        return "not installed"


def git_commit() -> str:
    try:
        out = subprocess.run(["git", "-C", REPO, "rev-parse", "--short", "HEAD"],
                             capture_output=True, text=True, timeout=10)
        return out.stdout.strip() or "?"
    except (OSError, subprocess.SubprocessError):
        return "?"


def cxximport_location() -> str:
    import importlib.util

    spec = importlib.util.find_spec("cxximport")
    return os.path.dirname(spec.origin) if spec and spec.origin else "not installed"


def environment() -> list[tuple[str, str]]:
    import numpy

    return [
        ("date", datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")),
        ("CPU", cpu_model()),
        ("cores", f"{os.cpu_count()} logical (OMP_NUM_THREADS="
                  f"{os.environ.get('OMP_NUM_THREADS', 'unset')})"),
        ("load average at start", loadavg()),
        ("OS", f"{platform.system()} {platform.release()} {platform.machine()}"),
        ("Python", f"{platform.python_implementation()} {platform.python_version()}"),
        ("NumPy", numpy.__version__),
        ("C compiler (floor)", _first_line([os.environ.get("CC", "cc"), "--version"])),
        ("C++ compiler", _first_line([os.environ.get("CXX", "c++"), "--version"])),
        ("ninja", _first_line([shutil.which("ninja") or "ninja", "--version"])),
        ("cmake", _first_line(["cmake", "--version"])),
        ("cxximport", f"{package_version('cxximport')} from {cxximport_location()} "
                      f"(repo HEAD {git_commit()})"),
        ("Cython", package_version("cython")),
        ("Numba", f"{package_version('numba')} (llvmlite {package_version('llvmlite')})"),
        ("pybind11", package_version("pybind11")),
        ("nanobind", package_version("nanobind")),
        ("cppimport", package_version("cppimport")),
        ("setuptools", package_version("setuptools")),
        ("matplotlib", package_version("matplotlib")),
    ]


# --------------------------------------------------------------------------
# Charts.


def bar_chart(name: str, labels: Sequence[str], mins: Sequence[float],
              medians: Sequence[float] | None, unit: str, title: str,
              highlight: Callable[[str], bool] = lambda s: s.startswith("cxximport")) -> str:
    """A horizontal bar chart (bar = min, tick = median) as results/<name>.png;
    returns its path."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    os.makedirs(RESULTS, exist_ok=True)
    height = 0.8 + 0.32 * len(labels)
    fig, ax = plt.subplots(figsize=(7.5, height))
    ys = list(range(len(labels)))[::-1]
    colors = ["#d9480f" if highlight(lab) else "#4c6ef5" for lab in labels]
    ax.barh(ys, mins, color=colors, height=0.65)
    if medians is not None:
        ax.scatter(medians, ys, marker="|", color="black", s=120, zorder=3)
    top = max([*mins, *(medians or [])]) or 1
    for y, v in zip(ys, mins, strict=True):
        ax.text(v + top * 0.01, y - 0.3, f"{v:.3g}", va="center", fontsize=7)
    ax.set_yticks(ys)
    ax.set_yticklabels(labels, fontsize=8)
    ax.set_xlabel(f"{unit} (bar: min, tick: median; lower is better)", fontsize=8)
    ax.set_xlim(0, top * 1.15)
    ax.set_title(title, fontsize=10)
    ax.tick_params(axis="x", labelsize=8)
    fig.tight_layout()
    path = os.path.join(RESULTS, f"{name}.png")
    fig.savefig(path, dpi=80)
    plt.close(fig)
    return path


# --------------------------------------------------------------------------
# The context: a work directory and the competitors built on demand.


class Context:
    def __init__(self, quick: bool, keep: bool = False) -> None:
        self.quick = quick
        self.keep = keep
        self.work = tempfile.mkdtemp(prefix="cxximport-bench-")
        self._floor: Any = None

    def path(self, *parts: str) -> str:
        p = os.path.join(self.work, *parts)
        os.makedirs(os.path.dirname(p), exist_ok=True)
        return p

    def fresh_dir(self, prefix: str) -> str:
        return tempfile.mkdtemp(prefix=prefix + "-", dir=self.work)

    def close(self) -> None:
        if not self.keep:
            shutil.rmtree(self.work, ignore_errors=True)

    # -- the hand-written floor ---------------------------------------------

    def floor(self) -> Any:
        """floor.c built with the C compiler: -O3 -fopenmp and the -march of
        cxximport's default build of the final step (arch = auto), like its
        release flags."""
        if self._floor is None:
            import numpy

            out_dir = self.path("floor", "x")
            out_dir = os.path.dirname(out_dir)
            so = os.path.join(out_dir, "floor" + EXT_SUFFIX)
            cc = os.environ.get("CC", "cc")
            ninja_file = os.path.join(os.path.dirname(self.cxximport("compute_prange").__file__),
                                      "build.ninja")
            with open(ninja_file) as f:
                march = [w for w in f.read().split() if w.startswith("-march=")][:1]
            cmd = [cc, "-O3", "-DNDEBUG", "-fPIC", "-shared", "-fopenmp", *march,
                   "-I" + sysconfig.get_paths()["include"], "-I" + numpy.get_include(),
                   os.path.join(COMPETITORS, "floor.c"), "-o", so]
            p = subprocess.run(cmd, capture_output=True, text=True)
            if p.returncode != 0:
                raise Skip(f"floor.c does not build: {p.stderr[-2000:]}")
            self._floor = load_extension("floor", so)
        return self._floor

    # -- cxximport --------------------------------------------------------------

    def cxximport_cache(self) -> str:
        return self.path("cxx-cache", ".")

    def cxximport(self, module: str, directory: str = EXAMPLES) -> Any:
        """Imports a .cxxpyx module through the import hook (cache in the work dir)."""
        import cxximport

        cxximport.install(cache_dir=self.cxximport_cache())
        if directory not in sys.path:
            sys.path.insert(0, directory)
        return importlib.import_module(module)

    # -- pyximport -------------------------------------------------------------

    def pyximport(self, module: str) -> Any:
        """Imports benchmarks/competitors/<module>.pyx with pyximport
        (build dir in the work dir)."""
        try:
            import pyximport
        except ImportError as e:
            raise Skip(f"Cython is not installed ({e})") from e
        pyximport.install(build_dir=self.path("pyxbld", "."), language_level=3)
        if COMPETITORS not in sys.path:
            sys.path.insert(0, COMPETITORS)
        return importlib.import_module(module)


def load_extension(name: str, path: str) -> Any:
    import importlib.machinery
    import importlib.util

    loader = importlib.machinery.ExtensionFileLoader(name, path)
    spec = importlib.util.spec_from_file_location(name, path, loader=loader)
    assert spec is not None
    module = importlib.util.module_from_spec(spec)
    loader.exec_module(module)
    sys.modules[name] = module
    return module


def fmt(seconds: float, unit: str) -> str:
    scale = {"s": 1, "ms": 1e3, "us": 1e6, "ns": 1e9}[unit]
    v = seconds * scale
    return f"{v:.0f}" if v >= 100 else (f"{v:.1f}" if v >= 10 else f"{v:.2f}")
