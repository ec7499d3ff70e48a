"""The loader: builds a .cxxpyx in ``create_module`` (through the C++ core) and
hands the shared object to ``importlib.machinery.ExtensionFileLoader``.

Module attributes, decided here:

- ``__spec__.origin`` is the ``.cxxpyx`` source (``has_location`` is true), so
  the import system and ``find_spec`` talk about the file the user wrote;
- ``__file__`` is the loaded shared object, as for any extension module, so
  tools that inspect extension modules (``ldd``, debuggers, profilers) find it
  (it is loaded through ``/proc/self/fd/N`` of a descriptor checked to be the
  file the core validated: ``open_validated``);
- ``__cxxpyx__`` is the source path;
- ``__spec__.loader_state`` is the core's build result (``so_path``,
  ``entry_dir``, ``key``, ``built``, ``seconds``).

Reload: every content version is its own shared object, so
``importlib.reload(mod)`` builds the new version, loads it as a fresh
extension module and copies its namespace into the existing module object
(Python's reload semantics: same object, new functions; names the new version
no longer defines are kept, as for a reloaded ``.py`` module).
"""

from __future__ import annotations

import _thread
import importlib.machinery
import importlib.util
import os
import sys

from . import _options
from .errors import CacheError, CompileError, LockTimeoutError, NotCachedError

__all__ = ["CompileError", "CxxLoader", "NotCachedError", "build", "translate_error"]

# Names for annotations only: typing and collections.abc cost milliseconds
# in a process that has not imported them (one without NumPy).
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping
    from types import CodeType, ModuleType
    from typing import Any

# Attributes owned by the import system: never copied from the fresh module on reload.
_IMPORT_ATTRS = frozenset({"__name__", "__loader__", "__spec__", "__package__", "__path__"})


# Per thread: how deep we are inside cxximport's own build (see building()).
_state = _thread._local()


class building:
    """Marks cxximport's own work in this thread (``with building(): ...``):
    imports made meanwhile (numpy, tomllib, logging, ...) never resolve to a
    ``.cxxpyx``, so a stray ``logging.cxxpyx`` cannot recurse into a second
    build of itself or wait for the lock its own build holds."""

    def __enter__(self) -> None:
        _state.depth = getattr(_state, "depth", 0) + 1

    def __exit__(self, *exc: object) -> None:
        _state.depth -= 1


def in_build() -> bool:
    return getattr(_state, "depth", 0) > 0


def _core():
    from . import _core as core  # imported on the first build, not by `import cxximport`

    return core


def translate_error(
    exc: BaseException, name: str, source: str, *, verbose: bool = False
) -> BaseException:
    """Turns the core's errors into the public ones; anything else is returned as is."""
    core = _core()
    if isinstance(exc, core.BuildError):
        from ._errors import compile_error_from

        return compile_error_from(exc, name, source, verbose=verbose)
    if isinstance(exc, core.ScanError):
        filename = getattr(exc, "filename", None) or source
        from ._errors import scan_error_message

        return CompileError(
            scan_error_message(exc, name, source),
            name=name,
            source=source,
            filename=filename,
            lineno=getattr(exc, "lineno", None),
            col=getattr(exc, "col", None),
        )
    if isinstance(exc, core.NotCachedError):
        miss = getattr(exc, "miss", None)
        why = f" ({miss['text']})" if miss and miss["kind"] != "absent" else ""
        error = NotCachedError(
            f"cxximport: {name} ({source}) is not in the cache{why} and building is disabled "
            f"(CXXIMPORT_NO_BUILD=1 or no_build=True); build it ahead of time with "
            f"`cxximport build {source}` using the same options and cache directory, "
            f"on a machine of the same CPU level or with an `arch` both share "
            f"(docs/cluster.md)",
            name=name,
            path=source,
        )
        error.miss = miss
        return error
    if isinstance(exc, CacheError) and exc.name is None:
        # Not yet translated (the core leaves `name` unset): same type,
        # naming the module and, for a lock timeout, the option that sets it.
        message = f"cxximport: cannot import {name} ({source}): {exc}"
        if isinstance(exc, LockTimeoutError):
            message += (
                "; another process is still building it: wait longer with the "
                "lock_timeout option (install(lock_timeout=SECONDS), default 600)"
            )
        translated = type(exc)(message)
        translated.__dict__.update(exc.__dict__)
        translated.name, translated.path = name, source
        return translated
    return exc


def _raise_from_source(error: BaseException, filename: str | None, lineno: int | None) -> None:
    """Raises error so the traceback's last frame is the offending .cxxpyx line
    (Python's traceback printer then shows that line of the user's file)."""
    error.__cause__ = None
    error.__suppress_context__ = True
    if filename and lineno and lineno > 0 and os.path.isfile(filename):
        try:
            code = _raise_code(filename, lineno)
        except (OSError, SyntaxError, ValueError):
            code = None
        if code is not None:
            exec(code, {"__error__": error})
    raise error


def _raise_code(filename: str, lineno: int) -> CodeType:
    """`raise __error__` compiled as if it were at filename:lineno, its column
    range spanning that whole line (so no caret markers under C++ code)."""
    import ast  # only on this error path: `import cxximport` stays cheap

    with open(filename, "rb") as f:
        lines = f.read().splitlines()
    line = lines[lineno - 1].rstrip() if lineno <= len(lines) else b""
    indent = len(line) - len(line.lstrip())
    tree = ast.parse("raise __error__")
    for node in ast.walk(tree):
        if isinstance(node, (ast.stmt, ast.expr)):
            node.lineno = node.end_lineno = lineno
            node.col_offset = indent
            node.end_col_offset = max(len(line), indent + 1)
    return compile(tree, filename, "exec")


def build(source: str, name: str, options: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Runs ``_core.build`` with the resolved options; raises CompileError & co."""
    with building():
        resolved = _options.resolve(source, options)
    progress = resolved.get("progress")
    result: dict[str, Any] | None = None
    try:
        with building():
            if resolved.get("remote_cache"):
                from . import _remote  # the miss path's second level (docs/cache.md)

                result = _remote.build(_core(), source, name, resolved)
            else:
                result = _core().build(source, name, resolved)
    except Exception as exc:
        with building():
            translated = translate_error(exc, name, source, verbose=bool(resolved.get("verbose")))
        if translated is exc:
            raise
        _raise_from_source(
            translated, getattr(translated, "filename", None), getattr(translated, "lineno", None)
        )
    finally:
        finish = getattr(progress, "finish", None)
        if finish is not None:
            finish(result)
    assert result is not None  # the except clause re-raises every failure
    if os.path.exists(os.path.splitext(source)[0] + ".pyi"):  # one stat when absent
        from .stubgen import refresh_beside_source

        refresh_beside_source(source, name, result)
    if result.get("built"):
        _warn_serial_pragmas(source, resolved)
        from . import _warnings

        _warnings.report(result, name, resolved)
    return dict(result)


def _warn_serial_pragmas(source: str, resolved: Mapping[str, Any]) -> None:
    """``#pragma omp parallel`` & co. without the openmp directive: a warning
    (docs/language.md, "Errors for NumPy habits")."""
    with building():
        try:
            directives = _core().scan(source).get("directives", {})
        except Exception:  # the build succeeded: never fail it over a warning
            return
        from ._errors import warn_serial_pragmas

        flags = {
            "openmp": resolved.get("openmp") or directives.get("openmp"),
            "cxxflags": [*(resolved.get("cxxflags") or []), *(directives.get("cxxflags") or [])],
        }
        warn_serial_pragmas(source, flags)


# Descriptors of loaded shared objects, never closed: the name /proc/self/fd/N
# a module was loaded through must never come to mean another file (the
# dynamic linker and Python's extension table both remember it by name).
_held_fds: list[int] = []


def open_validated(result: Mapping[str, Any]) -> str:
    """The path to load the shared object the core validated through: opens
    ``result["so_path"]``, checks that it is the very file the core checked
    (device and inode: its owner and mode passed the core's checks) and returns
    ``/proc/self/fd/N`` for it, so nothing that happens to the path after the
    check (a parent directory swapped for a symlink, an entry replaced) can
    change what is loaded. Without /proc, the checked path itself."""
    so_path = result["so_path"]
    expected = (result.get("so_dev"), result.get("so_ino"))
    fd = os.open(so_path, os.O_RDONLY | os.O_CLOEXEC | getattr(os, "O_NOFOLLOW", 0))
    try:
        st = os.fstat(fd)
        if expected != (None, None) and (st.st_dev, st.st_ino) != expected:
            raise ImportError(
                f"cxximport: {so_path} is not the file the cache validated (its path now "
                f"leads elsewhere: was the cache directory or a parent of it replaced?); "
                f"refusing to load it",
                path=so_path,
            )
        proc = f"/proc/self/fd/{fd}"
        if not os.path.exists(proc):
            os.close(fd)
            return so_path
    except BaseException:
        os.close(fd)
        raise
    _held_fds.append(fd)
    return proc


def _load_extension(name: str, so_path: str) -> ModuleType:
    """Creates and executes the extension module in so_path, as the import
    system would, but without touching our spec."""
    loader = importlib.machinery.ExtensionFileLoader(name, so_path)
    spec = importlib.util.spec_from_file_location(name, so_path, loader=loader)
    assert spec is not None  # None only without a loader
    module = loader.create_module(spec)
    loader.exec_module(module)
    return module


def _vanished(exc: BaseException, so_path: str) -> bool:
    """Whether loading so_path failed because the file is gone."""
    failed_on = getattr(exc, "path", None) or getattr(exc, "filename", None)
    return failed_on in (None, so_path) and not os.path.exists(so_path)


def _start_at_source(error: BaseException) -> None:
    """Drops our own frames from a build error's traceback: it then goes from
    the importing line (importlib removes its own frames) straight to the
    frame at the offending .cxxpyx line that _raise_from_source made. On
    Python 3.10, whose bare ``raise`` re-adds the catching frame, that one
    frame of ours stays."""
    filename = getattr(error, "filename", None)
    head = error.__traceback__
    at_source = head
    while at_source is not None and at_source.tb_frame.f_code.co_filename != filename:
        at_source = at_source.tb_next
    if filename and head is not None and at_source is not None and at_source is not head:
        head.tb_next = at_source  # 3.10: the catching frame, then the source
        error.__traceback__ = at_source


class CxxLoader:  # the importlib.abc.Loader protocol, without importing importlib.abc
    """Loads one ``.cxxpyx`` source as the extension module ``name``."""

    def __init__(self, name: str, path: str, options: Mapping[str, Any] | None = None):
        self.name = name
        self.path = path
        self.options = dict(options or {})
        self._fresh: ModuleType | None = None  # created by create_module, not yet executed
        self._ext_loader: importlib.machinery.ExtensionFileLoader | None = None

    def __repr__(self) -> str:
        return f"<cxximport.CxxLoader {self.name!r} from {self.path!r}>"

    def build(self) -> dict[str, Any]:
        return build(self.path, self.name, self.options)

    def _build_and_load(self, load):
        """Builds (or finds) the module and calls load(path), path naming
        exactly the shared object the core validated (open_validated). If the
        entry vanished between the lookup and the load (``cxximport cache
        prune`` or ``clean`` ran in between), builds once more and loads again."""
        result = self.build()
        try:
            return result, load(open_validated(result))
        except (ImportError, OSError) as exc:
            if not _vanished(exc, result["so_path"]):
                raise
        result = self.build()
        return result, load(open_validated(result))

    def _create_extension(self, so_path: str) -> ModuleType:
        self._ext_loader = importlib.machinery.ExtensionFileLoader(self.name, so_path)
        ext_spec = importlib.util.spec_from_file_location(
            self.name, so_path, loader=self._ext_loader
        )
        assert ext_spec is not None  # None only without a loader
        return self._ext_loader.create_module(ext_spec)

    def create_module(self, spec):
        try:
            result, module = self._build_and_load(self._create_extension)
        except ImportError as error:
            _start_at_source(error)
            raise  # a bare raise adds no entry for this frame (Python 3.11+)
        so_path = result["so_path"]
        module.__file__ = so_path
        module.__cxxpyx__ = self.path
        spec.loader_state = result
        self._fresh = module
        return module

    def exec_module(self, module: ModuleType) -> None:
        if module is self._fresh and self._ext_loader is not None:
            self._fresh = None
            self._ext_loader.exec_module(module)
            return
        # importlib.reload(module) (or module_from_spec without create_module):
        # build the current version and move its namespace into `module`.
        self._reload_into(module)

    def _reload_into(self, module: ModuleType) -> None:
        try:
            result, fresh = self._build_and_load(lambda so: _load_extension(self.name, so))
        except ImportError as error:
            _start_at_source(error)
            raise
        so_path = result["so_path"]
        # A single-phase-init extension registers itself in sys.modules while
        # loading; the module being reloaded must stay the one registered.
        if sys.modules.get(self.name) is fresh:
            sys.modules[self.name] = module
        for key, value in fresh.__dict__.items():
            if key not in _IMPORT_ATTRS:
                setattr(module, key, value)
        module.__file__ = so_path
        module.__cxxpyx__ = self.path  # type: ignore[attr-defined]  # ours: the .cxxpyx it came from
        spec = getattr(module, "__spec__", None)
        if spec is not None and spec.loader is self:
            spec.loader_state = result

    # Loader niceties (importlib.abc.InspectLoader / ExecutionLoader style).
    def get_filename(self, fullname: str | None = None) -> str:
        return self.path

    def is_package(self, fullname: str | None = None) -> bool:
        return False  # a .cxxpyx is always a plain module

    def get_source(self, fullname: str | None = None) -> None:
        return None  # not Python source

    def get_code(self, fullname: str | None = None) -> None:
        return None
