"""Waiting, written once: the first of several events, a pause that a stop cuts short, and a
growing delay between retries. Every loop that waits for "this, or a stop, or a timeout" and
every reconnect or retry loop uses these.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Awaitable
from dataclasses import dataclass
from typing import Any


async def first_of(*waits: asyncio.Event | Awaitable[Any], timeout: float | None = None) -> set[int]:
    """Wait until the first of `waits` (events are waited for being set) is done, or `timeout`
    seconds pass; cancel the others. Return the positions of those done (empty on timeout).

    Tasks passed in are cancelled too when they are not done: pass a task you keep using wrapped
    in `asyncio.shield`."""
    futures = [
        asyncio.ensure_future(item.wait() if isinstance(item, asyncio.Event) else item) for item in waits
    ]
    try:
        await asyncio.wait(futures, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for future in futures:
            if not future.done():
                future.cancel()
    return {index for index, future in enumerate(futures) if future.done() and not future.cancelled()}


async def pause(stop: asyncio.Event, seconds: float) -> bool:
    """Wait `seconds`, or less when `stop` is set; return whether `stop` is set."""
    if not stop.is_set() and seconds > 0:
        await first_of(stop, timeout=seconds)
    return stop.is_set()


@dataclass(slots=True)
class Backoff:
    """Delays that double from `first` up to `longest`: `next()` gives the wait before the next
    try, `reset()` starts over after a success. `after(failures)` gives the same delays without
    keeping count, for a loop whose count is stored elsewhere (an outbox row's attempts), spread
    by up to ±`jitter` (a fraction) so that retries failed together do not come back together."""

    first: float = 1.0
    longest: float = 60.0
    factor: float = 2.0
    jitter: float = 0.0
    _current: float | None = None

    def after(self, failures: int, rng: random.Random | None = None) -> float:
        """Return the wait after `failures` failed tries (1 → `first`), jittered with `rng`."""
        delay = min(self.longest, self.first * self.factor ** max(0, failures - 1))
        if self.jitter and rng is not None:
            delay *= rng.uniform(1 - self.jitter, 1 + self.jitter)
        return delay

    def next(self) -> float:
        """Return the delay to wait now, and grow the next one."""
        delay = self.first if self._current is None else min(self.longest, self._current * self.factor)
        self._current = delay
        return delay

    def reset(self) -> None:
        """Start again from `first`."""
        self._current = None
