"""Remote cache settings, the signing key, and the per-process state of each
store: one connection, and once a store failed, no more questions to it (a
dead server costs its timeout once per process, with one warning)."""

from __future__ import annotations

import os
import stat
from collections.abc import Mapping
from typing import Any, NamedTuple
from urllib.parse import urlsplit, urlunsplit

from .. import _option_table
from .._options import logger
from .errors import StoreError

SCHEMES = ("redis", "rediss", "http", "https", "file")
# The defaults are the option table's (src/core/option_table.cpp).
DEFAULT_MODE = _option_table.default("remote_cache_mode")
DEFAULT_TIMEOUT = float(_option_table.default("remote_timeout"))  # seconds per operation
DEFAULT_WAIT = float(_option_table.default("remote_wait"))  # for another node's upload
DEFAULT_LEASE_TTL = float(_option_table.default("remote_lease_ttl"))  # without a heartbeat
MIN_KEY_BYTES = 16


def display_url(url: str) -> str:
    """The URL without its password, for messages."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = (parts.username or "") + ":***@" + (parts.hostname or "")
    if parts.port:
        netloc += f":{parts.port}"
    return urlunsplit(parts._replace(netloc=netloc))


class Settings(NamedTuple):  # not a dataclass: importing dataclasses costs ms per process
    url: str
    mode: str = DEFAULT_MODE
    trusted: bool = False
    key_file: str | None = None
    timeout: float = DEFAULT_TIMEOUT
    wait: float = DEFAULT_WAIT
    lease_ttl: float = DEFAULT_LEASE_TTL

    @property
    def name(self) -> str:
        return display_url(self.url)

    @property
    def writes(self) -> bool:
        return self.mode == "readwrite"


def settings_from(options: Mapping[str, Any]) -> Settings | None:
    url = options.get("remote_cache")
    if not url:
        return None
    return Settings(
        url=url,
        mode=options.get("remote_cache_mode") or DEFAULT_MODE,
        trusted=bool(options.get("remote_cache_trusted")),
        key_file=options.get("remote_key_file"),
        timeout=options.get("remote_timeout") or DEFAULT_TIMEOUT,
        wait=DEFAULT_WAIT if options.get("remote_wait") is None else options["remote_wait"],
        lease_ttl=options.get("remote_lease_ttl") or DEFAULT_LEASE_TTL,
    )


def read_key_file(path: str) -> bytes:
    """The signing key; raises StoreError saying why a key file is refused:
    it must be a regular file of ours that nobody else can read or write."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC)
    except OSError as e:
        raise StoreError(f"signing key {path} cannot be opened: {e.strerror}") from None
    with os.fdopen(fd, "rb") as f:
        st = os.fstat(f.fileno())
        if not stat.S_ISREG(st.st_mode):
            raise StoreError(f"signing key {path} is not a regular file")
        if st.st_uid != os.geteuid():
            raise StoreError(f"signing key {path} is refused: it is not owned by you")
        if st.st_mode & 0o077:
            raise StoreError(
                f"signing key {path} is refused: others may read it (mode "
                f"{stat.S_IMODE(st.st_mode):o}; chmod 600 {path})"
            )
        secret = f.read().strip()
    if len(secret) < MIN_KEY_BYTES:
        raise StoreError(f"signing key {path} is refused: shorter than {MIN_KEY_BYTES} bytes")
    return secret


# --------------------------------------------------------------------------
# Per-process state.

_stores: dict[str, Any] = {}
_down: dict[str, str] = {}  # url -> why it is not used in this process
_warned: set[str] = set()


def warn_once(settings: Settings, reason: str) -> None:
    """One warning per process and store, naming the store and the reason."""
    if settings.url in _warned:
        logger.debug("cxximport: remote cache %s: %s", settings.name, reason)
        return
    _warned.add(settings.url)
    logger.warning(
        "cxximport: remote cache %s: %s; building locally (this warning is shown once per process)",
        settings.name,
        reason,
    )


def mark_down(settings: Settings, reason: str) -> None:
    _down[settings.url] = reason
    store = _stores.pop(settings.url, None)
    close = getattr(getattr(store, "_conn", None), "close", None)
    if close is not None:
        close()
    warn_once(settings, reason)


def is_down(settings: Settings) -> bool:
    return settings.url in _down


def make_store(url: str, timeout: float) -> Any:
    scheme = urlsplit(url).scheme
    if scheme in ("redis", "rediss"):
        from .redis_store import RedisStore

        return RedisStore(url, timeout)
    if scheme in ("http", "https"):
        from .http_store import HttpStore

        return HttpStore(url, timeout)
    if scheme == "file":
        from .file_store import FileStore

        return FileStore(url, timeout)
    raise StoreError(f"unknown scheme {scheme!r} (use {', '.join(s + '://' for s in SCHEMES)})")


def store_for(settings: Settings) -> Any | None:
    """The process's store object for settings, or None when it is down."""
    if settings.url in _down:
        return None
    store = _stores.get(settings.url)
    if store is None:
        try:
            store = make_store(settings.url, settings.timeout)
        except StoreError as e:
            mark_down(settings, str(e))
            return None
        _stores[settings.url] = store
    return store


def reset() -> None:
    """Forgets stores, failures and warnings (tests; a long-lived process
    that wants to retry a store that was down)."""
    for store in _stores.values():
        close = getattr(getattr(store, "_conn", None), "close", None)
        if close is not None:
            close()
    _stores.clear()
    _down.clear()
    _warned.clear()
