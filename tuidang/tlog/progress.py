"""The auditor's progress bar: one line on stderr, rewritten in place.

``[#####.....]  52%  5,200,000 of 10,000,000 entries  210,000/s  about 23 s left`` —
counts, a rate and a duration, never a time of day. Redrawn at most a few times a second
so that drawing costs nothing next to the audit.
"""

from __future__ import annotations

import time
from typing import TextIO

__all__ = ["ProgressLine"]

_WIDTH = 20  # characters of the bar
_EVERY = 0.2  # seconds between redraws at most


class ProgressLine:
    """A progress bar for ``total`` entries written to ``stream``."""

    def __init__(self, total: int, stream: TextIO) -> None:
        """Draw the empty bar."""
        self.total, self.stream = total, stream
        self.done = 0
        self.started = time.monotonic()
        self.drawn = 0.0
        self._draw()

    def step(self, n: int) -> None:
        """Count ``n`` more entries verified; redraw if it is time."""
        self.done += n
        now = time.monotonic()
        if now - self.drawn >= _EVERY or self.done >= self.total:
            self._draw(now)

    def close(self) -> None:
        """Draw the last state and end the line."""
        self._draw()
        self.stream.write("\n")
        self.stream.flush()

    def _draw(self, now: float | None = None) -> None:
        now = time.monotonic() if now is None else now
        self.drawn = now
        share = self.done / self.total if self.total else 1.0
        filled = min(_WIDTH, int(share * _WIDTH))
        elapsed = now - self.started
        rate = self.done / elapsed if elapsed > 0 else 0.0
        left = ""
        if 0 < self.done < self.total and rate > 0:
            left = f"  about {_duration((self.total - self.done) / rate)} left"
        # \r returns to the start of the line; \x1b[K clears what a longer line left.
        self.stream.write(f"\r[{'#' * filled}{'.' * (_WIDTH - filled)}] {share:4.0%}  "
                          f"{self.done:,} of {self.total:,} entries  {rate:,.0f}/s"
                          f"{left}\x1b[K")
        self.stream.flush()


def _duration(seconds: float) -> str:
    seconds = int(seconds)
    if seconds < 120:
        return f"{seconds} s"
    if seconds < 7200:
        return f"{seconds // 60} min"
    return f"{seconds // 3600} h {seconds % 3600 // 60} min"
