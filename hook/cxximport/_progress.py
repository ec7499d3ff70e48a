"""What the user sees while the core builds one module: the ``progress(event,
message)`` callback handed to ``_core.build`` (docs/usage.md, "Build
progress").

- On a terminal, a build that takes longer than ``DELAY`` seconds shows one
  line rewritten in place (``cxximport: building compute.cxxpyx ... 0.8 s``),
  erased when the build ends.
- In Jupyter (an IPython kernel), a build that takes longer than
  ``NOTEBOOK_DELAY`` seconds shows one output line in the cell, updated in
  place through a display handle and left saying how long the build took.
- Anywhere else (stderr a pipe or a file: CI logs, ``2> build.log``), one line
  per module built: ``cxximport: building /src/compute.cxxpyx``, when the build
  starts; the end is a log record on the ``cxximport`` logger.

"wait" events (another process holds the lock) go to the same place, the
first one also as a warning;
warnings are log records; with ``verbose``, commands and compiler/ninja
output are written to stderr.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable, Mapping
from typing import Any

from ._options import logger


def _is_tty(stream: Any) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):
        return False


def _notebook_display() -> Callable[..., Any] | None:
    """IPython.display.display when this process is an IPython kernel (Jupyter),
    else None. A terminal IPython is a terminal: its stderr is a TTY."""
    if "IPython" not in sys.modules:
        return None
    try:
        from IPython import get_ipython
        from IPython.display import display
    except ImportError:
        return None
    shell = get_ipython()
    if shell is None or type(shell).__name__ == "TerminalInteractiveShell":
        return None
    return display


class _Text:
    """One line of text for a display handle: plain text, and as such in HTML."""

    def __init__(self, text: str) -> None:
        self.text = text

    def __repr__(self) -> str:
        return self.text

    def _repr_html_(self) -> str:
        import html

        return f"<pre style='margin:0'>{html.escape(self.text)}</pre>"


class Progress:
    """The ``progress(event, message)`` callback for one module's build."""

    DELAY = 0.5
    NOTEBOOK_DELAY = 1.0

    def __init__(
        self,
        source: str,
        verbose: bool = False,
        stream: Any = None,
        display: Callable[..., Any] | None = None,
    ):
        self.source = source
        self.label = os.path.basename(source)
        self.verbose = verbose
        self._stream = stream
        # Decided at the first event, when the stream is the one then in use.
        self._display = display
        self._handle_ = None  # the notebook's display handle, once shown
        self._line = ""  # what the in-place terminal line currently shows
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

    def _notebook(self) -> Callable[..., Any] | None:
        if self._display is None and self._stream is None and not _is_tty(self.stream):
            self._display = _notebook_display()
        return self._display

    def _handle(self, event: str, message: Any) -> None:
        text = str(message)
        if event == "building":
            seconds = _as_seconds(message, self._started)
            if _is_tty(self.stream):
                if seconds >= self.DELAY:
                    self._show(f"cxximport: building {self.label} ... {seconds:.1f} s")
            elif self._notebook():
                if seconds >= self.NOTEBOOK_DELAY:
                    self._update(f"cxximport: building {self.label} ... {seconds:.1f} s")
            elif not self._logged_start:
                self._logged_start = True
                self._print(f"cxximport: building {self.source}")
                logger.info("cxximport: building %s", self.source)
        elif event == "wait":
            if not self._warned_wait:
                # The first wait is a warning, as the remote cache's is: a user
                # whose import stalls behind another process's build is told so.
                self._warned_wait = True
                self.clear()
                logger.warning("cxximport: %s", text)
            elif _is_tty(self.stream):
                self._show(f"cxximport: {text}")
            elif self._notebook():
                self._update(f"cxximport: {text}")
            else:
                self._print(f"cxximport: {text}")
                logger.info("cxximport: %s", text)
        elif event in ("command", "output"):
            if self.verbose:
                self._print(text)
        elif event == "warning":
            self.clear()
            logger.warning("cxximport: %s: %s", self.label, text)
        elif self.verbose:
            self._print(f"{event}: {text}")

    def _update(self, line: str) -> None:
        if self._handle_ is None:
            display = self._notebook()
            assert display is not None
            self._handle_ = display(_Text(line), display_id=True)
        else:
            self._handle_.update(_Text(line))

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
        try:
            self.clear()
            if self._handle_ is not None:
                seconds = time.monotonic() - self._started
                if result is None:
                    self._handle_.update(_Text(f"cxximport: {self.label}: build failed"))
                else:
                    seconds = result.get("seconds", seconds)
                    self._handle_.update(_Text(f"cxximport: built {self.label} in {seconds:.1f} s"))
        except Exception:
            logger.debug("cxximport: progress display failed", exc_info=True)
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
