"""Builds the type-coverage modules of tests/data/types/ once per session.

Shared by test_types.py, test_bad_inputs.py and test_leaks.py: all use one
cache directory below pytest's base temp (the parent under pytest-xdist, so
workers share it and the per-key build lock makes one worker build while the
others wait). Subprocesses load the same entries with ``no_build=True``.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

DATA = Path(__file__).resolve().parent / "data" / "types"
TYPES_SOURCE = DATA / "pyxtypes.cxxpyx"
BOUNDS_SOURCE = DATA / "bounds.cxxpyx"

# The integer parameters of pyxtypes.cxxpyx (by the suffix of their function
# names) and the range each accepts.
INT_RANGES = {
    "int8": (-(2**7), 2**7 - 1),
    "int16": (-(2**15), 2**15 - 1),
    "int32": (-(2**31), 2**31 - 1),
    "int64": (-(2**63), 2**63 - 1),
    "uint8": (0, 2**8 - 1),
    "uint16": (0, 2**16 - 1),
    "uint32": (0, 2**32 - 1),
    "uint64": (0, 2**64 - 1),
    "schar": (-(2**7), 2**7 - 1),
    "short": (-(2**15), 2**15 - 1),
    "int": (-(2**31), 2**31 - 1),
    "long": (-(2**63), 2**63 - 1),
    "longlong": (-(2**63), 2**63 - 1),
    "uchar": (0, 2**8 - 1),
    "ushort": (0, 2**16 - 1),
    "uint": (0, 2**32 - 1),
    "ulong": (0, 2**64 - 1),
    "ulonglong": (0, 2**64 - 1),
    "ssize": (-(2**63), 2**63 - 1),
    "size": (0, 2**64 - 1),
}

# tests/sanitize/run.sh sets this to build the modules with ASan and UBSan.
SANITIZE_FLAGS = [
    "-fsanitize=address,undefined",
    "-fno-omit-frame-pointer",
    "-fno-sanitize-recover=undefined",
]


def base_options() -> dict:
    """Options every build here uses: independent of the caller's environment
    (except PYXTYPES_SANITIZE=1, which adds the sanitizer flags)."""
    options: dict = {"build_type": "release"}
    if os.environ.get("PYXTYPES_SANITIZE") == "1":
        options["cxxflags"] = list(SANITIZE_FLAGS)
        options["ldflags"] = list(SANITIZE_FLAGS)
    return options


def shared_cache_dir(tmp_path_factory) -> Path:
    if os.environ.get("PYXTYPES_CACHE_DIR"):  # tests/sanitize/run.sh
        return Path(os.environ["PYXTYPES_CACHE_DIR"])
    base = tmp_path_factory.getbasetemp()
    root = base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base
    path = root / "pyxtypes-cache"
    path.mkdir(exist_ok=True)
    return path


def load(source: Path, cache_dir: Path, module: str, **options):
    """Builds (when not cached) and imports source as `module`."""
    import cxximport

    if module in sys.modules:
        return sys.modules[module]
    return cxximport.load(
        source, module=module, cache_dir=str(cache_dir), **{**base_options(), **options}
    )


def build(source: Path, cache_dir: Path) -> str:
    """Builds without importing; returns the shared object's path."""
    import cxximport

    return cxximport.build(source, cache_dir=str(cache_dir), **base_options())


def loader_code(cache_dir: Path, module: str = "pyxtypes", source: Path = TYPES_SOURCE) -> str:
    """Python source that imports the cached module in a subprocess as `m`."""
    options = {**base_options(), "no_build": True}
    return (
        "import cxximport\n"
        f"m = cxximport.load({str(source)!r}, module={module!r}, cache_dir={str(cache_dir)!r},"
        f" **{options!r})\n"
    )
