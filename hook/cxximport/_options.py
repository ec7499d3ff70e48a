"""Build options for ``cxximport._core.build``: where each one comes from.

Precedence, highest first (docs/configuration.md is the user-facing copy):

1. the source file's own ``// cxximport:`` directives (applied by the core:
   booleans are OR-ed in, ``arch``, ``std`` and ``optimize`` win, lists come last);
2. arguments of ``install(...)``, ``build(...)``, ``load(...)`` and the CLI;
3. environment variables (``CXXIMPORT_*``, ``CXX``);
4. ``[tool.cxximport]`` in the nearest ``pyproject.toml`` above the source;
5. defaults (the core's, and the interpreter facts computed here).

List options (``cxxflags``, ``include_dirs``, ...) accumulate instead of
replacing: pyproject's first, then the arguments', then the file's directives.

Everything is resolved again for every build, so a changed environment or
pyproject.toml applies to the next import without re-installing the hook.
"""

from __future__ import annotations

import functools
import os
import sys

from .errors import OptionError


def _table() -> Any:
    """The option table's Python view (_option_table.py), imported at the
    first check or build: `import cxximport; install()` needs neither."""
    from . import _option_table

    return _option_table


class _LazyLogger:
    """``logging.getLogger("cxximport")``, with logging imported on first use
    (it costs milliseconds, and ``import cxximport`` runs at every start-up)."""

    def __getattr__(self, name: str) -> Any:
        import logging

        return getattr(logging.getLogger("cxximport"), name)


logger = _LazyLogger()

# Names for annotations only: typing and collections.abc cost milliseconds
# in a process that has not imported them (one without NumPy).
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping
    from typing import Any


# --------------------------------------------------------------------------
# The options themselves (names, kinds, defaults, environment variables,
# where each may be set) are the core's table: _option_table.py.


def __getattr__(name: str) -> Any:
    # The table's views under their old names, read from the core on first use.
    views = {
        "SCHEMA": "schema",
        "LIST_OPTIONS": "list_options",
        "PYPROJECT_KEYS": "pyproject_keys",
        "ENVIRONMENT": "environment",
    }
    if name in views:
        return getattr(_table(), views[name])()
    if name == "Progress":  # moved to _progress.py; imported only when a build reports
        from ._progress import Progress

        return Progress
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


_REMOTE_SCHEMES = ("redis://", "rediss://", "http://", "https://", "file://")

# As the core's valid_arch(): one -march value, never a second flag.
_ARCH_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.+")
_ARCH_EXPECTED = "auto, native, portable, or an -march value such as x86-64-v2"


def _is_arch(value: str) -> bool:
    return len(value) <= 64 and not value.startswith("-") and _ARCH_CHARS.issuperset(value)


_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"", "0", "false", "no", "off"}


def _fail(origin: str, name: str, expected: str, value: Any) -> OptionError:
    return OptionError(f"cxximport: option {name!r} ({origin}) must be {expected}, got {value!r}")


def _check_one(name: str, value: Any, origin: str, base_dir: str | None) -> Any:
    kind = _table().schema()[name]
    if kind == "bool":
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.strip().lower() in _TRUE | _FALSE:
            return value.strip().lower() in _TRUE
        raise _fail(origin, name, "true or false", value)
    if kind == "int":
        if isinstance(value, str) and value.strip().isdigit():
            value = int(value)
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise _fail(origin, name, "a positive integer", value)
        return value
    if kind == "float":
        if isinstance(value, str):
            try:
                value = float(value)
            except ValueError:
                raise _fail(origin, name, "a number of seconds >= 0", value) from None
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
            raise _fail(origin, name, "a number of seconds >= 0", value)
        return float(value)
    if kind == "size":
        if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
            return str(value)
        if isinstance(value, str):
            from . import _core  # cache/units.hpp: the one parser of sizes

            try:
                _core.parse_size(value)
                return value.strip()
            except ValueError:
                pass
        raise _fail(origin, name, "a size such as 500M, 5G or 2Gi (0: no limit)", value)
    if kind == "callable":
        if value is not None and not callable(value):
            raise _fail(origin, name, "a callable progress(event, message) or None", value)
        return value
    if kind == "path":
        if not isinstance(value, (str, os.PathLike)) or not os.fspath(value):
            raise _fail(origin, name, "a path", value)
        return _absolute(os.fspath(value), base_dir)
    if kind == "str":
        if name == "optimize" and isinstance(value, int) and not isinstance(value, bool):
            value = str(value)
        if not isinstance(value, str) or not value:
            raise _fail(origin, name, "a non-empty string", value)
        choices = _table().choices(name)
        if choices and value not in choices:
            raise _fail(origin, name, "one of " + ", ".join(map(repr, choices)), value)
        if name == "arch" and not _is_arch(value):
            raise _fail(origin, name, _ARCH_EXPECTED, value)
        if name == "remote_cache" and not value.startswith(_REMOTE_SCHEMES):
            schemes = ", ".join(s + "..." for s in _REMOTE_SCHEMES)
            raise _fail(origin, name, "a URL " + schemes, value)
        return value
    # The list kinds.
    if isinstance(value, (str, os.PathLike)):
        import shlex

        value = shlex.split(os.fspath(value)) if kind == "flags" else [os.fspath(value)]
    if not isinstance(value, (list, tuple)) or not all(
        isinstance(v, (str, os.PathLike)) for v in value
    ):
        raise _fail(origin, name, "a list of strings", value)
    items = [os.fspath(v) for v in value]
    if kind == "paths":
        items = [_absolute(v, base_dir) for v in items]
    return items


def _absolute(path: str, base_dir: str | None) -> str:
    path = os.path.expanduser(path)
    if not os.path.isabs(path):
        path = os.path.join(base_dir or os.getcwd(), path)
    return os.path.normpath(path)


def check(options: Mapping[str, Any], origin: str, base_dir: str | None = None) -> dict[str, Any]:
    """Validates and normalises user options; raises OptionError naming the option.

    ``origin`` says where they came from ("install()", a pyproject.toml path,
    an environment variable) so the message points at the right place.
    Relative paths are made absolute against ``base_dir`` (default: the
    current directory, at the time of the call).
    """
    out: dict[str, Any] = {}
    for name, value in options.items():
        schema = _table().schema()
        if name not in schema:
            known = ", ".join(sorted(schema))
            raise OptionError(f"cxximport: unknown option {name!r} ({origin}); known: {known}")
        out[name] = _check_one(name, value, origin, base_dir)
    return out


# --------------------------------------------------------------------------
# Environment.


def environment_options(environ: Mapping[str, str] | None = None) -> dict[str, Any]:
    environ = os.environ if environ is None else environ
    out: dict[str, Any] = {}
    schema = _table().schema()
    for var, name in _table().environment().items():
        value = environ.get(var)
        if value is None or (value == "" and schema[name] != "bool"):
            continue
        out.update(check({name: value}, f"environment variable {var}"))
    return out


def default_cache_dir() -> str:
    """The cache root the core uses when none is given (cache/store.cpp,
    ``Store::default_root``: the one rule, also for ``cache``, ``doctor`` and
    ``%%cxx``)."""
    from . import _core

    return str(_core.default_cache_dir())


# --------------------------------------------------------------------------
# pyproject.toml

_pyproject_cache: dict[str, tuple[int, int, dict[str, Any]]] = {}


def _load_toml(path: str) -> dict[str, Any] | None:
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - Python 3.10
        try:
            import tomli as tomllib
        except ImportError:
            logger.warning("cxximport: cannot read %s: install tomli on Python 3.10", path)
            return None
    with open(path, "rb") as f:
        try:
            return tomllib.load(f)
        except tomllib.TOMLDecodeError as e:
            raise OptionError(f"cxximport: {path}: invalid TOML: {e}") from None


@functools.lru_cache(maxsize=1)
def _table_patterns():
    """tool.cxximport (headers [tool.cxximport...] and dotted keys, quotes and
    blanks allowed); a [tool] table; cxximport as a key (inside [tool])."""
    import re

    q = rb"""["']?"""
    return (
        re.compile(q + rb"tool" + q + rb"\s*\.\s*" + q + rb"cxximport\b"),
        re.compile(rb"^\s*\[\s*" + q + rb"tool" + q + rb"\s*\]", re.M),
        re.compile(rb"^\s*" + q + rb"cxximport" + q + rb"\s*[.=]", re.M),
    )


_QUOTES_BLANKS = b"\"' \t\r\n\f\v"


def _may_be_spelled(data: bytes) -> bool:
    """A necessary condition for the patterns, checked without compiling
    them (which costs a quarter of a millisecond at each warm start, paid by
    every project that names cxximport as a dependency, issue 15): with
    quotes and blanks removed, a ``.cxximport`` or a ``[tool]``."""
    squeezed = data.translate(None, _QUOTES_BLANKS)
    return b".cxximport" in squeezed or b"[tool]" in squeezed


def _may_have_table(data: bytes) -> bool:
    """False only when data surely has no [tool.cxximport] table."""
    if b"cxximport" not in data or not _may_be_spelled(data):
        return False
    dotted, tool_table, key = _table_patterns()
    return bool(dotted.search(data) or (tool_table.search(data) and key.search(data)))


def find_pyproject(source: str) -> str | None:
    """The nearest pyproject.toml in the source's directory or above it."""
    directory = os.path.dirname(os.path.abspath(source))
    while True:
        candidate = os.path.join(directory, "pyproject.toml")
        if os.path.isfile(candidate):
            return candidate
        parent = os.path.dirname(directory)
        if parent == directory:
            return None
        directory = parent


def pyproject_options(source: str) -> dict[str, Any]:
    """[tool.cxximport] of the nearest pyproject.toml (which bounds the project:
    a pyproject.toml without that table means no project settings). Parsed files
    are cached by path, mtime and size."""
    path = find_pyproject(source)
    if path is None:
        return {}
    try:
        st = os.stat(path)
    except OSError:
        return {}
    cached = _pyproject_cache.get(path)
    if cached and cached[:2] == (st.st_mtime_ns, st.st_size):
        return dict(cached[2])
    # Most projects have no [tool.cxximport] (tomllib costs ~2 ms at each warm
    # start): parse only a file that may spell the table in some TOML way.
    try:
        with open(path, "rb") as f:
            mentions = _may_have_table(f.read())
    except OSError:
        return {}
    if not mentions:
        _pyproject_cache[path] = (st.st_mtime_ns, st.st_size, {})
        return {}
    data = _load_toml(path) or {}
    table = data.get("tool", {}).get("cxximport", {})
    if not isinstance(table, dict):
        raise OptionError(f"cxximport: {path}: [tool.cxximport] must be a table")
    table = {k.replace("-", "_"): v for k, v in table.items()}
    for name in table:
        if name not in _table().pyproject_keys():
            known = ", ".join(sorted(_table().pyproject_keys()))
            raise OptionError(
                f"cxximport: {path}: unknown key {name!r} in [tool.cxximport]; known: {known}"
            )
    options = check(table, f"[tool.cxximport] in {path}", base_dir=os.path.dirname(path))
    _pyproject_cache[path] = (st.st_mtime_ns, st.st_size, options)
    return dict(options)


# --------------------------------------------------------------------------
# Interpreter facts: the keys _core.build requires.


def _package_dir() -> str:
    return os.path.dirname(os.path.abspath(__file__))


def templates_dir() -> str:
    """The installed templates/; in a source checkout, the repository's."""
    installed = os.path.join(_package_dir(), "templates")
    if os.path.isdir(installed):
        return installed
    checkout = os.path.join(_package_dir(), os.pardir, os.pardir, "templates")
    return os.path.normpath(checkout) if os.path.isdir(checkout) else installed


def find_ninja() -> str | None:
    """The ninja package's executable, else a ninja on PATH. The package installs
    it next to the interpreter's scripts; looking there first avoids importing
    the package (which costs milliseconds at every first build of a process)."""
    exe = "ninja" + (".exe" if os.name == "nt" else "")
    # Where the package installs its binary (the scripts directory of this
    # environment or of the one a --system-site-packages venv is based on;
    # older releases: ninja/data/bin), found without importing the package,
    # which pulls in subprocess and sysconfig (~4 ms per process).
    import importlib.util

    def usable(directory: str) -> str | None:
        candidate = os.path.join(directory, exe)
        return candidate if os.path.isfile(candidate) and os.access(candidate, os.X_OK) else None

    candidates = [os.path.dirname(sys.executable)]
    candidates += [os.path.join(p, "bin") for p in (sys.prefix, sys.base_prefix)]
    for directory in candidates:
        if found := usable(directory):
            return found
    # Only then the package's own directory: find_spec walks sys.path (a
    # tenth of a millisecond of every warm start, issue 15).
    spec = importlib.util.find_spec("ninja")
    for p in (spec.submodule_search_locations or []) if spec else []:
        if found := usable(os.path.join(p, "data", "bin")):
            return found
    try:
        import ninja  # the PyPI package, a dependency of ours
    except ImportError:
        bin_dir = None
    else:
        bin_dir = getattr(ninja, "BIN_DIR", None)
    if bin_dir:
        candidate = os.path.join(bin_dir, exe)
        if os.access(candidate, os.X_OK):
            return candidate
    import shutil  # here, not at the top: it imports bz2/lzma, a third of `import cxximport`

    return shutil.which("ninja")


def python_include() -> str:
    """The directory of Python.h. sysconfig knows, but importing it costs about
    a millisecond at every warm start; the posix scheme's path is tried first
    and sysconfig only when Python.h is not there."""
    v = sys.version_info
    guess = os.path.join(sys.base_prefix, "include", f"python{v.major}.{v.minor}{sys.abiflags}")
    if os.path.isfile(os.path.join(guess, "Python.h")):
        return guess
    import sysconfig

    return sysconfig.get_paths()["include"]


@functools.lru_cache(maxsize=1)
def interpreter_options() -> dict[str, str]:
    """Computed once per process. Imports numpy: the built modules need it anyway."""
    import importlib.machinery

    import numpy

    options = {
        "templates_dir": templates_dir(),
        "python_include": python_include(),
        "numpy_include": numpy.get_include(),
        "numpy_version": numpy.__version__,
        # EXT_SUFFIX, the interpreter's ABI tag, without importing sysconfig.
        "ext_suffix": importlib.machinery.EXTENSION_SUFFIXES[0],
    }
    ninja = find_ninja()
    if ninja:
        options["ninja"] = ninja
    return options


# --------------------------------------------------------------------------
# Putting it together.


def resolve(
    source: str,
    overrides: Mapping[str, Any] | None = None,
    environ: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """The options dict for ``_core.build(source, ...)``.

    ``overrides`` are already-checked arguments (install(), build(), CLI).
    Always contains ``cache_dir`` and a ``progress`` callable.
    """
    options: dict[str, Any] = dict(interpreter_options())
    list_options = _table().list_options()
    for layer in (pyproject_options(source), environment_options(environ), overrides or {}):
        for name, value in layer.items():
            if name in list_options:
                options[name] = options.get(name, []) + list(value)
            else:
                options[name] = value
    if "cache_dir" not in options:
        options["cache_dir"] = default_cache_dir()
    if options.get("progress") is None:
        options["progress"] = _DeferredProgress(source, bool(options.get("verbose")))
    return options


class _DeferredProgress:
    """The built-in progress display (_progress.Progress), imported at the
    first event: a cache hit reports nothing and so never imports it."""

    __slots__ = ("_progress", "_source", "_verbose")

    def __init__(self, source: str, verbose: bool) -> None:
        self._source, self._verbose = source, verbose
        self._progress: Any = None

    def __call__(self, event: str, message: Any = "") -> None:
        if self._progress is None:
            from ._progress import Progress

            self._progress = Progress(self._source, verbose=self._verbose)
        self._progress(event, message)

    def finish(self, result: Mapping[str, Any] | None = None) -> None:
        if self._progress is not None:
            self._progress.finish(result)
