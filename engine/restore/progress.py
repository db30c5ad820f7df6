"""Progress of the data phase on stderr, when it is a terminal: bytes and rows, rate, ETA."""

from __future__ import annotations

import sys
import threading
import time


def _mb(n: float) -> str:
    return f"{n / 1e6:,.1f} MB"


class Progress:
    """Thread-safe counters; redraws one status line at most a few times a second."""

    def __init__(self, total_bytes: int, tables: int, stream=None, interval: float = 0.3):
        self.stream = stream or sys.stderr
        self.enabled = bool(getattr(self.stream, "isatty", lambda: False)())
        self.total, self.tables, self.interval = total_bytes, tables, interval
        self.bytes = self.rows = self.done = 0
        self.started = time.monotonic()
        self.drawn = 0.0
        self.lock = threading.Lock()

    def add(self, nbytes: int, rows: int) -> None:
        if not self.enabled:
            return
        with self.lock:
            self.bytes += nbytes
            self.rows += rows
            now = time.monotonic()
            if now - self.drawn >= self.interval:
                self.drawn = now
                self._draw(now)

    def table_done(self, name: str, nbytes: int, rows: int, seconds: float) -> None:
        if not self.enabled:
            return
        with self.lock:
            self.done += 1
            self.stream.write(f"\r\x1b[K  {name}: {_mb(nbytes)}, {rows:,} rows in {seconds:.1f}s\n")
            self._draw(time.monotonic())

    def _draw(self, now: float) -> None:
        elapsed = max(now - self.started, 1e-6)
        rate = self.bytes / elapsed
        eta = f"{(self.total - self.bytes) / rate:.0f}s" if rate > 0 and self.total > self.bytes else "-"
        share = 100 * self.bytes / self.total if self.total else 100
        self.stream.write(f"\r\x1b[Kdata: {share:3.0f}% {_mb(self.bytes)} of {_mb(self.total)}, {self.rows:,} rows, "
                          f"{_mb(rate)}/s, ETA {eta}, {self.done}/{self.tables} tables")
        self.stream.flush()

    def close(self) -> None:
        if self.enabled:
            with self.lock:
                self.stream.write("\r\x1b[K")
                self.stream.flush()
