"""Every public exception of cxximport, in one module (docs/core_api.md,
"Exceptions"). ``cxximport`` re-exports them; the C++ core raises
``CacheError`` and ``LockTimeoutError`` from here as they are, so callers
tell outcomes apart by type and fields, never by message text.

This module imports nothing of cxximport's: any other module may import it.
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "CacheError",
    "CompileError",
    "LockTimeoutError",
    "NotCachedError",
    "OptionError",
]


class CompileError(ImportError):
    """A .cxxpyx file could not be scanned, compiled or linked.

    ``str(err)`` shows the compiler's first errors, located at
    ``file.cxxpyx:LINE:COL``. Attributes: ``log`` (full compiler output),
    ``command`` (the failing command line), ``log_path`` (where the log is
    kept), ``source`` (the .cxxpyx), ``filename``, ``lineno`` and ``col``
    (the first error's location, when known; for a scan error always, like
    ``SyntaxError``).
    """

    def __init__(
        self,
        message: str,
        *,
        name: str | None = None,
        source: str | None = None,
        log: str = "",
        command: str = "",
        log_path: str | None = None,
        filename: str | None = None,
        lineno: int | None = None,
        col: int | None = None,
    ):
        super().__init__(message, name=name, path=source)
        self.source = source
        self.log = log
        self.command = command
        self.log_path = log_path
        self.filename = filename
        self.lineno = lineno
        self.col = col


class NotCachedError(ImportError):
    """Building is disabled (``no_build`` / ``CXXIMPORT_NO_BUILD=1``) and the
    module is not in the cache. ``miss`` says why (docs/cache.md, "Why a
    miss"): a dict with ``kind`` (``"absent"``, ``"key_changed"``,
    ``"stale_header"``, ...), ``path``, ``detail``, ``text`` and ``changes``
    (``(field, before, after)`` for ``key_changed``), or None."""

    miss: dict[str, Any] | None = None


class CacheError(ImportError):
    """The cache cannot be used: its directory is unusable, an entry cannot
    be published, a cache command failed. Raised by the import (``name`` and
    ``path`` are then the module and its source) and by the cache functions
    of ``cxximport._core``."""


class LockTimeoutError(CacheError):
    """Another process held the module's build lock for ``lock_timeout``
    seconds (``install(lock_timeout=SECONDS)``, default 600): it is still
    building the module."""


class OptionError(ValueError):
    """An option has an unknown name or a value of the wrong type."""


# Shown as cxximport.CompileError & co in tracebacks: that is where users find them.
for _cls in (CompileError, NotCachedError, CacheError, LockTimeoutError, OptionError):
    _cls.__module__ = "cxximport"
del _cls
