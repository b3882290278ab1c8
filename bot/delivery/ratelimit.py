"""Per-platform rate limiting: one overall rate, a rate per channel (by channel class), replies
ahead of broadcasts, and per-channel pauses when the platform answers "retry after".

Each rate is a GCRA (generic cell rate algorithm, a token bucket kept as one timestamp): a key
may send when `now >= tat - (burst - 1) * interval`, and each send moves `tat` one interval on.
Time comes from the injected `Clock`, so tests can drive it by hand or run it scaled.
"""

from __future__ import annotations

import asyncio
from collections import deque
from dataclasses import dataclass, field, replace
from typing import Literal

from bot.clock import Clock

Priority = Literal["reply", "broadcast"]
_EPSILON = 1e-6


@dataclass(frozen=True, slots=True)
class Rate:
    """`count` messages per `per` seconds, allowing bursts of up to `burst` at once."""

    count: float
    per: float = 1.0
    burst: int = 1

    @property
    def interval(self) -> float:
        """Return the seconds between two messages at the steady rate."""
        return self.per / self.count

    def scaled(self, factor: float) -> Rate:
        """Return this rate made `factor` times faster (bursts unchanged)."""
        return replace(self, count=self.count * factor)


@dataclass(frozen=True, slots=True)
class RateLimits:
    """A platform's limits; adapters pass their own numbers, these defaults are conservative.

    `overall` caps everything the bot sends; `per_channel` caps one channel unless its class
    (from `Outlet.channel_class`) is listed in `classes`.
    """

    overall: Rate = Rate(29.4, 1.0, burst=3)
    """30/s less 2% headroom, with a burst of 3 so late timer wake-ups (epoll rounds up to
    whole milliseconds) are caught up without ever exceeding 30 in a one-second window."""
    per_channel: Rate = Rate(1, 1.0, burst=3)
    classes: tuple[tuple[str, Rate], ...] = (("group", Rate(20, 60.0, burst=3)),)
    defer_after: float = 1.0
    """A broadcast whose channel is not free for longer than this goes back to the outbox
    instead of holding a worker."""

    def for_class(self, cls: str) -> Rate:
        """Return the per-channel rate for a channel class."""
        return dict(self.classes).get(cls, self.per_channel)

    def scaled(self, factor: float) -> RateLimits:
        """Return every rate made `factor` times faster (for tests and benchmarks)."""
        return replace(
            self,
            overall=self.overall.scaled(factor),
            per_channel=self.per_channel.scaled(factor),
            classes=tuple((name, rate.scaled(factor)) for name, rate in self.classes),
            defer_after=self.defer_after / factor,
        )


@dataclass(slots=True)
class _Cell:
    """GCRA state of one key: theoretical arrival time and an optional pause."""

    tat: float = float("-inf")
    paused_until: float = float("-inf")
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    def delay(self, rate: Rate, now: float) -> float:
        """Return the seconds until this key may send (0 when it may send now)."""
        tolerance = (max(1, rate.burst) - 1) * rate.interval
        wait = max(0.0, self.tat - tolerance - now, self.paused_until - now)
        # Clocks keep microseconds (datetime) and floats round: a sub-microsecond wait is none.
        return wait if wait >= _EPSILON else 0.0

    def consume(self, rate: Rate, now: float) -> None:
        """Record one send at `now`."""
        self.tat = max(self.tat, now) + rate.interval


class _Slots:
    """The overall rate as a queue of slots: replies are served before any broadcast waiting.

    One pump task sleeps until the next slot and hands it to the first waiter, so however many
    broadcasts wait, a reply waits at most for the slot being handed out now.
    """

    def __init__(self, rate: Rate, clock: Clock) -> None:
        self._rate = rate
        self._clock = clock
        self._cell = _Cell()
        self._waiting: dict[str, deque[asyncio.Future[None]]] = {
            "reply": deque(),
            "broadcast": deque(),
        }
        self._pump: asyncio.Task[None] | None = None

    async def take(self, priority: Priority) -> None:
        """Wait for a slot of the overall rate."""
        now = self._clock.now().timestamp()
        if self._head() is None and self._cell.delay(self._rate, now) <= 0:
            self._cell.consume(self._rate, now)
            return
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiting[priority].append(future)
        if self._pump is None or self._pump.done():
            self._pump = asyncio.create_task(self._serve())
        await future

    def _head(self) -> asyncio.Future[None] | None:
        for queue in self._waiting.values():  # "reply" first: dicts keep insertion order
            while queue and queue[0].done():  # cancelled waiters
                queue.popleft()
            if queue:
                return queue[0]
        return None

    async def _serve(self) -> None:
        while (head := self._head()) is not None:
            now = self._clock.now().timestamp()
            wait = self._cell.delay(self._rate, now)
            if wait > 0:
                await self._clock.sleep(wait)
                continue  # pick the head again: a reply may have arrived meanwhile
            for queue in self._waiting.values():
                if queue and queue[0] is head:
                    queue.popleft()
                    break
            self._cell.consume(self._rate, now)
            head.set_result(None)


class RateLimiter:
    """The limits of one platform, shared by its broadcast workers and command replies."""

    _PRUNE_ABOVE = 4096

    def __init__(self, limits: RateLimits, clock: Clock) -> None:
        self.limits = limits
        self._clock = clock
        self._slots = _Slots(limits.overall, clock)
        self._cells: dict[str, _Cell] = {}

    def delay(self, channel_id: str, cls: str) -> float:
        """Return how long this channel must wait before its next message (pauses included)."""
        cell = self._cells.get(channel_id)
        if cell is None:
            return 0.0
        return cell.delay(self.limits.for_class(cls), self._now())

    def pause(self, channel_id: str, seconds: float) -> None:
        """Hold this channel (only) for exactly `seconds` from now."""
        cell = self._cell(channel_id)
        cell.paused_until = max(cell.paused_until, self._now() + max(0.0, seconds))

    async def acquire(self, channel_id: str, cls: str, priority: Priority = "broadcast") -> None:
        """Wait until one message may go to this channel, then count it."""
        rate = self.limits.for_class(cls)
        cell = self._cell(channel_id)
        async with cell.lock:
            while (wait := cell.delay(rate, self._now())) > 0:
                await self._clock.sleep(wait)
            await self._slots.take(priority)
            # Counted when the overall slot is granted, i.e. when the message really goes out.
            cell.consume(rate, self._now())

    def _now(self) -> float:
        return self._clock.now().timestamp()

    def _cell(self, channel_id: str) -> _Cell:
        cell = self._cells.get(channel_id)
        if cell is None:
            if len(self._cells) >= self._PRUNE_ABOVE:
                self._prune()
            cell = self._cells[channel_id] = _Cell()
        return cell

    def _prune(self) -> None:
        """Forget channels whose state no longer limits anything (a GCRA past its `tat` is new)."""
        now = self._now()
        idle = [
            key
            for key, cell in self._cells.items()
            if not cell.lock.locked() and cell.tat <= now and cell.paused_until <= now
        ]
        for key in idle:
            del self._cells[key]
