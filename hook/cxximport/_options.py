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
import time
from collections.abc import Callable, Mapping
from typing import Any

from .errors import OptionError


class _LazyLogger:
    """``logging.getLogger("cxximport")``, with logging imported on first use
    (it costs milliseconds, and ``import cxximport`` runs at every start-up)."""

    def __getattr__(self, name: str) -> Any:
        import logging

        return getattr(logging.getLogger("cxximport"), name)


logger = _LazyLogger()


# --------------------------------------------------------------------------
# The schema: every option a user may set, with its kind.

_BOOL = "bool"
_INT = "int"
_FLOAT = "float"
_STR = "str"
_PATH = "path"
_FLAGS = "flags"  # list of str; a single str is split like a shell would
_PATHS = "paths"  # list of paths; a single str is one path
_WORDS = "words"  # list of str; a single str is one item
_CALLABLE = "callable"
_SIZE = "size"  # bytes, or a str with a unit ("500M", "5G"); parsed by the core

SCHEMA: dict[str, str] = {
    "cache_dir": _PATH,
    "cxx": _STR,
    "launcher": _STR,
    "ninja": _PATH,
    "build_type": _STR,
    "jobs": _INT,
    "no_build": _BOOL,
    "force": _BOOL,
    "verbose": _BOOL,
    "show_warnings": _BOOL,
    "lock_timeout": _FLOAT,
    "max_size": _SIZE,
    "openmp": _BOOL,
    "boundscheck": _BOOL,
    "vecmath": _BOOL,
    "arch": _STR,
    "std": _STR,
    "optimize": _STR,
    "cxxflags": _FLAGS,
    "ldflags": _FLAGS,
    "libraries": _WORDS,
    "include_dirs": _PATHS,
    "library_dirs": _PATHS,
    "depends": _PATHS,
    "progress": _CALLABLE,
    # The remote cache (docs/cache.md, "Remote cache").
    "remote_cache": _STR,
    "remote_cache_mode": _STR,
    "remote_cache_trusted": _BOOL,
    "remote_key_file": _PATH,
    "remote_timeout": _FLOAT,
    "remote_wait": _FLOAT,
    "remote_lease_ttl": _FLOAT,
}

LIST_OPTIONS = frozenset(k for k, kind in SCHEMA.items() if kind in (_FLAGS, _PATHS, _WORDS))

# What a project may set in [tool.cxximport]: what the code needs, plus the
# build defaults a team shares (launcher, jobs); not what only one machine
# knows (compiler, cache location, no_build).
PYPROJECT_KEYS = frozenset(
    {
        "launcher",
        "jobs",
        "openmp",
        "boundscheck",
        "vecmath",
        "arch",
        "std",
        "optimize",
        "build_type",
        "show_warnings",
        "cxxflags",
        "ldflags",
        "libraries",
        "include_dirs",
        "library_dirs",
        "depends",
        # A team's shared store; trusting it or holding its key is each user's call.
        "remote_cache",
        "remote_cache_mode",
        "remote_timeout",
        "remote_wait",
        "remote_lease_ttl",
    }
)

_CHOICES = {
    "build_type": ("release", "debug"),
    "optimize": ("0", "1", "2", "3", "s", "fast"),
    "remote_cache_mode": ("read", "readwrite"),
}

_REMOTE_SCHEMES = ("redis://", "rediss://", "http://", "https://", "file://")

# As the core's valid_arch(): one -march value, never a second flag.
_ARCH_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.+")
_ARCH_EXPECTED = "auto, native, portable, or an -march value such as x86-64-v2"


def _is_arch(value: str) -> bool:
    return len(value) <= 64 and not value.startswith("-") and _ARCH_CHARS.issuperset(value)


_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"", "0", "false", "no", "off"}

# Environment variable -> option. Empty values count as unset, except for the
# boolean ones where "" means false.
ENVIRONMENT = {
    "CXXIMPORT_CACHE_DIR": "cache_dir",
    "CXXIMPORT_VERBOSE": "verbose",
    "CXXIMPORT_SHOW_WARNINGS": "show_warnings",
    "CXXIMPORT_JOBS": "jobs",
    "CXXIMPORT_MAX_SIZE": "max_size",
    "CXX": "cxx",
    "CXXIMPORT_COMPILER_LAUNCHER": "launcher",
    "CXXIMPORT_BUILD_TYPE": "build_type",
    "CXXIMPORT_NO_BUILD": "no_build",
    "CXXIMPORT_ARCH": "arch",
    "CXXIMPORT_REMOTE_CACHE": "remote_cache",
    "CXXIMPORT_REMOTE_CACHE_MODE": "remote_cache_mode",
    "CXXIMPORT_REMOTE_TRUST": "remote_cache_trusted",
    "CXXIMPORT_REMOTE_KEY_FILE": "remote_key_file",
    "CXXIMPORT_REMOTE_TIMEOUT": "remote_timeout",
    "CXXIMPORT_REMOTE_WAIT": "remote_wait",
    "CXXIMPORT_REMOTE_LEASE_TTL": "remote_lease_ttl",
}


def _fail(origin: str, name: str, expected: str, value: Any) -> OptionError:
    return OptionError(f"cxximport: option {name!r} ({origin}) must be {expected}, got {value!r}")


def _check_one(name: str, value: Any, origin: str, base_dir: str | None) -> Any:
    kind = SCHEMA[name]
    if kind == _BOOL:
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.strip().lower() in _TRUE | _FALSE:
            return value.strip().lower() in _TRUE
        raise _fail(origin, name, "true or false", value)
    if kind == _INT:
        if isinstance(value, str) and value.strip().isdigit():
            value = int(value)
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise _fail(origin, name, "a positive integer", value)
        return value
    if kind == _FLOAT:
        if isinstance(value, str):
            try:
                value = float(value)
            except ValueError:
                raise _fail(origin, name, "a number of seconds >= 0", value) from None
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
            raise _fail(origin, name, "a number of seconds >= 0", value)
        return float(value)
    if kind == _SIZE:
        if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
            return str(value)
        import re

        if not isinstance(value, str) or not re.fullmatch(
            r"\s*\d+(\.\d+)?\s*([kKmMgGtT]i?)?[bB]?\s*", value
        ):
            raise _fail(origin, name, "a size such as 500M, 5G or 2Gi (0: no limit)", value)
        return value.strip()
    if kind == _CALLABLE:
        if value is not None and not callable(value):
            raise _fail(origin, name, "a callable progress(event, message) or None", value)
        return value
    if kind == _PATH:
        if not isinstance(value, (str, os.PathLike)) or not os.fspath(value):
            raise _fail(origin, name, "a path", value)
        return _absolute(os.fspath(value), base_dir)
    if kind == _STR:
        if name == "optimize" and isinstance(value, int) and not isinstance(value, bool):
            value = str(value)
        if not isinstance(value, str) or not value:
            raise _fail(origin, name, "a non-empty string", value)
        choices = _CHOICES.get(name)
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

        value = shlex.split(os.fspath(value)) if kind == _FLAGS else [os.fspath(value)]
    if not isinstance(value, (list, tuple)) or not all(
        isinstance(v, (str, os.PathLike)) for v in value
    ):
        raise _fail(origin, name, "a list of strings", value)
    items = [os.fspath(v) for v in value]
    if kind == _PATHS:
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
        if name not in SCHEMA:
            known = ", ".join(sorted(SCHEMA))
            raise OptionError(f"cxximport: unknown option {name!r} ({origin}); known: {known}")
        out[name] = _check_one(name, value, origin, base_dir)
    return out


# --------------------------------------------------------------------------
# Environment.


def environment_options(environ: Mapping[str, str] | None = None) -> dict[str, Any]:
    environ = os.environ if environ is None else environ
    out: dict[str, Any] = {}
    for var, name in ENVIRONMENT.items():
        value = environ.get(var)
        if value is None or (value == "" and SCHEMA[name] != _BOOL):
            continue
        out.update(check({name: value}, f"environment variable {var}"))
    return out


def default_cache_dir(environ: Mapping[str, str] | None = None) -> str:
    """$CXXIMPORT_CACHE_DIR, else $XDG_CACHE_HOME/cxximport, else ~/.cache/cxximport."""
    environ = os.environ if environ is None else environ
    if environ.get("CXXIMPORT_CACHE_DIR"):
        return _absolute(environ["CXXIMPORT_CACHE_DIR"], None)
    xdg = environ.get("XDG_CACHE_HOME")
    if xdg and os.path.isabs(xdg):
        return os.path.join(xdg, "cxximport")
    return os.path.join(os.path.expanduser("~"), ".cache", "cxximport")


# --------------------------------------------------------------------------
# pyproject.toml

_pyproject_cache: dict[str, tuple[int, int, dict[str, Any]]] = {}


def _load_toml(path: str) -> dict[str, Any] | None:
    try:
        import tomllib  # Python 3.11+
    except ImportError:  # pragma: no cover - Python 3.10
        try:
            import tomli as tomllib  # type: ignore[no-redef]
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


def _may_have_table(data: bytes) -> bool:
    """False only when data surely has no [tool.cxximport] table."""
    if b"cxximport" not in data:
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
        if name not in PYPROJECT_KEYS:
            known = ", ".join(sorted(PYPROJECT_KEYS))
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

    candidates = [os.path.dirname(sys.executable)]
    candidates += [os.path.join(p, "bin") for p in (sys.prefix, sys.base_prefix)]
    spec = importlib.util.find_spec("ninja")
    if spec and spec.submodule_search_locations:
        candidates += [os.path.join(p, "data", "bin") for p in spec.submodule_search_locations]
    for directory in candidates:
        candidate = os.path.join(directory, exe)
        if os.path.isfile(candidate) and os.access(candidate, os.X_OK):
            return candidate
    try:
        import ninja  # the PyPI package, a dependency of ours
    except ImportError:
        ninja = None
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
    for layer in (pyproject_options(source), environment_options(environ), overrides or {}):
        for name, value in layer.items():
            if name in LIST_OPTIONS:
                options[name] = options.get(name, []) + list(value)
            else:
                options[name] = value
    options.setdefault("cache_dir", default_cache_dir(environ))
    if options.get("progress") is None:
        options["progress"] = Progress(source, verbose=bool(options.get("verbose")))
    return options


# --------------------------------------------------------------------------
# Progress: what the user sees while the core builds.


def _is_tty(stream: Any) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):
        return False


class Progress:
    """The ``progress(event, message)`` callback handed to ``_core.build``.

    On a terminal, a build that takes longer than ``DELAY`` seconds shows one
    line, rewritten in place (``cxximport: building compute.cxxpyx ... 0.8 s``)
    and erased when the build ends; elsewhere it becomes log records on the
    ``cxximport`` logger. "wait" events go to the same place, the first one
    also as a warning (as the remote cache's wait does): a user whose import
    stalls behind another process's build is told so. With
    ``verbose``, commands and compiler/ninja output are written to stderr.
    """

    DELAY = 0.5

    def __init__(self, source: str, verbose: bool = False, stream: Any = None):
        self.source = source
        self.label = os.path.basename(source)
        self.verbose = verbose
        self._stream = stream
        self._line = ""  # what the in-place line currently shows
        self._logged_start = False
        self._warned_wait = False
        self._started = time.monotonic()

    @property
    def stream(self) -> Any:
        return self._stream if self._stream is not None else sys.stderr

    def __call__(self, event: str, message: Any = "") -> None:
        try:
            self._handle(event, message)
        except Exception:  # a display problem must never break a build
            logger.debug("cxximport: progress display failed", exc_info=True)

    def _handle(self, event: str, message: Any) -> None:
        text = str(message)
        if event == "building":
            seconds = _as_seconds(message, self._started)
            if seconds < self.DELAY:
                return
            if _is_tty(self.stream):
                self._show(f"cxximport: building {self.label} ... {seconds:.1f} s")
            elif not self._logged_start:
                self._logged_start = True
                logger.info("cxximport: building %s", self.source)
        elif event == "wait":
            if not self._warned_wait:
                self._warned_wait = True
                self.clear()
                logger.warning("cxximport: %s", text)
            elif _is_tty(self.stream):
                self._show(f"cxximport: {text}")
            else:
                logger.info("cxximport: %s", text)
        elif event in ("command", "output"):
            if self.verbose:
                self._print(text)
        elif event == "warning":
            self.clear()
            logger.warning("cxximport: %s: %s", self.label, text)
        elif self.verbose:
            self._print(f"{event}: {text}")

    def _show(self, line: str) -> None:
        pad = " " * max(0, len(self._line) - len(line))
        self.stream.write("\r" + line + pad)
        self.stream.flush()
        self._line = line

    def _print(self, text: str) -> None:
        self.clear()
        self.stream.write(text if text.endswith("\n") else text + "\n")
        self.stream.flush()

    def clear(self) -> None:
        """Erases the in-place line, if one is shown."""
        if self._line:
            self.stream.write("\r" + " " * len(self._line) + "\r")
            self.stream.flush()
            self._line = ""

    def finish(self, result: Mapping[str, Any] | None = None) -> None:
        """Called by the loader once the build call returned (or failed)."""
        self.clear()
        if result is None:
            return
        if self._logged_start:
            logger.info("cxximport: built %s in %.1f s", self.source, result.get("seconds", 0.0))
        if self.verbose:
            what = "built" if result.get("built") else "cache hit"
            self._print(
                f"cxximport: {self.label}: {what} in {result.get('seconds', 0.0):.2f} s"
                f" -> {result.get('so_path')}"
            )


def _as_seconds(message: Any, started: float) -> float:
    try:
        return float(str(message).split()[0].rstrip("s"))
    except (ValueError, IndexError):
        return time.monotonic() - started


ProgressCallback = Callable[[str, Any], None]
