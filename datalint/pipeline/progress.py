"""Progress on long work: one line on standard error, rewritten in place, on a terminal only."""

from __future__ import annotations

import sys
import time


class Progress:
    """A one-line progress display on a TTY; silent otherwise."""

    def __init__(self, enabled: bool):
        self.enabled = enabled
        self.last = 0.0

    def update(self, path: str, n: int) -> None:
        if not self.enabled:
            return
        now = time.monotonic()
        if now - self.last > 0.25:
            self.last = now
            sys.stderr.write(f"\r\x1b[Kreading {path}: {n:,} records")
            sys.stderr.flush()

    def done(self) -> None:
        if self.enabled and self.last:
            sys.stderr.write("\r\x1b[K")
            sys.stderr.flush()
