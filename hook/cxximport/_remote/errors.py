"""The remote cache's one error type: the store cannot be used right now."""

from __future__ import annotations


class StoreError(Exception):
    """A remote store failed (unreachable, timed out, refused, full, spoke
    garbage). ``str()`` is the reason shown to the user; ``transport`` is true
    when the store itself is unusable (then it is not asked again in this
    process), false when only this request failed."""

    def __init__(self, reason: str, *, transport: bool = True):
        super().__init__(reason)
        self.transport = transport
