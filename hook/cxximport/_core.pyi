# The types of cxximport._core, the C extension built from src/python/*.cpp
# (its PyMethodDef tables and exec_module). Kept beside the extension so
# mypy checks every caller; tests/test_style.py compares these names with
# the ones the built module exposes, so a function added in C++ without a
# line here fails a test. Dict shapes are in docs/core_api.md.

from collections.abc import Sequence
from os import PathLike
from typing import Any

from .errors import CacheError as CacheError
from .errors import LockTimeoutError as LockTimeoutError

_Path = str | bytes | PathLike[str] | PathLike[bytes]

version: str

# The attributes raise_failure sets; key only on errors raised by build().
class ScanError(ValueError):
    """A .cxxpyx file cannot be scanned."""

    log: str
    command: str
    log_path: str
    source: str
    key: str
    filename: str
    lineno: int | None
    col: int | None

class BuildError(ImportError):
    """Compiling or linking failed."""

    log: str
    command: str
    log_path: str
    source: str
    key: str
    module_cpp: str
    # wrappers.map: (first_line, last_line, source_line, export_name, source)
    spans: list[tuple[int, int, int, str, str]]

class NotCachedError(ImportError):
    """CXXIMPORT_NO_BUILD is set and the module is not cached."""

    log: str
    command: str
    log_path: str
    source: str
    key: str
    miss: dict[str, Any]

# core_module.cpp
def build(source: _Path, module: str, options: dict[str, Any]) -> dict[str, Any]: ...
def build_many(
    items: Sequence[tuple[_Path, str] | tuple[_Path, str, dict[str, Any]]],
    options: dict[str, Any],
) -> list[dict[str, Any]]: ...
def default_jobs() -> int: ...
def host_x86_level() -> int: ...
def scan(source: _Path, /) -> dict[str, Any]: ...
def generate(
    source: _Path, module: str, templates_dir: _Path, display_path: str | None = None, /
) -> dict[str, str]: ...
def default_cache_dir() -> str: ...

# cache_admin.cpp
def cache_list(cache_dir: str, /) -> list[dict[str, Any]]: ...
def cache_info(cache_dir: str, /) -> dict[str, Any]: ...
def cache_clean(cache_dir: str, module: str | None = None) -> dict[str, int]: ...
def cache_prune(
    cache_dir: str, max_size: int | None = None, older_than: int | None = None
) -> dict[str, int]: ...

# cache_entry.cpp
def install_entry(cache_dir: str, key: str, files: dict[str, bytes]) -> dict[str, Any]: ...
def export_entry(cache_dir: str, key: str) -> dict[str, bytes]: ...
def cache_count(cache_dir: str, name: str, delta: int = 1) -> None: ...
def xxh3_128(data: bytes | bytearray | memoryview, /) -> str: ...

# setup_checks.cpp
def writable_cache_dir(cache_dir: str = "", /) -> tuple[str, str]: ...
def driver_problem(cxx: str, launcher: str = "", /) -> str: ...

# options.cpp
def option_table() -> tuple[dict[str, Any], ...]: ...
def module_flags(source: _Path, options: dict[str, Any], /) -> dict[str, Any]: ...
def parse_size(text: str, /) -> int: ...
def parse_age(text: str, /) -> int: ...
def format_size(size: int, /) -> str: ...
