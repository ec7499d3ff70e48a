"""The ``cxximport`` logger, with :mod:`logging` imported on first use (it
costs milliseconds, and ``import cxximport`` runs at every start-up)."""

from __future__ import annotations

# Names for annotations only: typing and collections.abc cost milliseconds
# in a process that has not imported them (one without NumPy).
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any


class _LazyLogger:
    """``logging.getLogger("cxximport")``, imported when first used."""

    def __getattr__(self, name: str) -> Any:
        import logging

        return getattr(logging.getLogger("cxximport"), name)


logger = _LazyLogger()
