"""A progress bar for long command-line jobs: drawn on a terminal, silent when output is piped.

    with progress(len(files), "indexing") as tick:
        for path in files:
            ...
            tick()

The bar is a single `\\r`-rewritten line on stderr, redrawn at most ~10 times a second so a fast
loop does not spend its time writing to the terminal. When stderr is not a terminal (a pipe, a
log file, CI) nothing is written at all.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import Protocol, TextIO

MIN_INTERVAL = 0.1
BAR_WIDTH = 30
LABEL_WIDTH = 24


@contextmanager
def progress(
    total: int | None,
    label: str,
    *,
    stream: TextIO | None = None,
    min_interval: float = MIN_INTERVAL,
    clock: Callable[[], float] = time.monotonic,
) -> Iterator[Callable[[int], None]]:
    """Yield `tick(n=1)` that advances a bar of `total` steps (None: unknown) on a terminal."""
    out = stream if stream is not None else sys.stderr
    if not _is_terminal(out):
        yield _ignore
        return
    bar = _Bar(out, total, label, min_interval, clock)
    bar.draw(force=True)
    try:
        yield bar.tick
    finally:
        bar.finish()


def _ignore(n: int = 1) -> None:
    return None


class ProgressFactory(Protocol):
    """What `progress` is: a context manager yielding `tick(n=1)` for `total` steps."""

    def __call__(self, total: int | None, label: str) -> AbstractContextManager[Callable[[int], None]]: ...


@contextmanager
def no_progress(total: int | None, label: str) -> Iterator[Callable[[int], None]]:
    """A `ProgressFactory` that shows nothing (library code's default)."""
    yield _ignore


def _is_terminal(stream: TextIO) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):  # no isatty, or a closed stream
        return False


class _Bar:
    def __init__(
        self, out: TextIO, total: int | None, label: str, min_interval: float, clock: Callable[[], float]
    ) -> None:
        self._out = out
        self._total = total if total and total > 0 else None
        self._label = label if len(label) <= LABEL_WIDTH else label[: LABEL_WIDTH - 1] + "…"
        self._min_interval = min_interval
        self._clock = clock
        self._done = 0
        self._last_draw: float | None = None
        self._width = 0

    def tick(self, n: int = 1) -> None:
        self._done += n
        self.draw()

    def draw(self, *, force: bool = False) -> None:
        now = self._clock()
        if not force and self._last_draw is not None and now - self._last_draw < self._min_interval:
            return
        self._last_draw = now
        line = self._line()
        # Pad with spaces so a shorter line fully covers the previous one.
        padded = line.ljust(self._width)
        self._width = len(line)
        self._out.write("\r" + padded)
        self._out.flush()

    def finish(self) -> None:
        self.draw(force=True)
        self._out.write("\n")
        self._out.flush()

    def _line(self) -> str:
        if self._total is None:
            return f"{self._label} {self._done}"
        fraction = min(1.0, self._done / self._total)
        filled = int(fraction * BAR_WIDTH)
        bar = "#" * filled + "-" * (BAR_WIDTH - filled)
        return f"{self._label} [{bar}] {self._done}/{self._total} {fraction:4.0%}"
