"""One status line for long work, redrawn in place on a terminal."""

from __future__ import annotations

import sys
import time


def format_duration(seconds: float) -> str:
    seconds = int(max(seconds, 0))
    hours, rest = divmod(seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    return f"{hours}h{minutes:02d}m" if hours else f"{minutes}m{seconds:02d}s"


def format_count(count: float) -> str:
    for unit, size in (("M", 1e6), ("K", 1e3)):
        if count >= size:
            return f"{count / size:.1f}{unit}"
    return f"{count:.0f}"


class Progress:
    """Writes status lines to stderr: redrawn in place on a terminal, otherwise
    one line every ``interval`` seconds (so logs stay readable). Silent if not
    ``enabled``."""

    def __init__(self, enabled: bool = True, stream=None, interval: float | None = None):
        self.enabled = enabled
        self.stream = stream or sys.stderr
        self.live = enabled and hasattr(self.stream, "isatty") and self.stream.isatty()
        self.interval = interval if interval is not None else (0.2 if self.live else 10.0)
        self._last = 0.0
        self._width = 0

    def update(self, text: str, force: bool = False) -> None:
        if not self.enabled:
            return
        now = time.monotonic()
        if not force and now - self._last < self.interval:
            return
        self._last = now
        if self.live:
            self.stream.write("\r" + text.ljust(self._width))
            self._width = len(text)
        else:
            self.stream.write(text + "\n")
        self.stream.flush()

    def message(self, text: str) -> None:
        """A line of its own (ends any line being redrawn)."""
        if not self.enabled:
            return
        self.done()
        self.stream.write(text + "\n")
        self.stream.flush()

    def done(self) -> None:
        if self.enabled and self.live and self._width:
            self.stream.write("\n")
            self.stream.flush()
        self._width = 0
