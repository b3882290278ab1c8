"""Per-platform rate limiting: one overall rate, a rate per channel (by channel class), replies
ahead of broadcasts, and per-channel pauses when the platform answers "retry after".

Each rate is a GCRA (generic cell rate algorithm, a token bucket kept as one timestamp): a key
may send when `now >= tat - (burst - 1) * interval`, and each send moves `tat` one interval on.
Per-channel rates keep a safety margin (`CHANNEL_MARGIN`): timers fire early or late by a few
milliseconds, and a message that leaves 0.997 s after another is a 429.

A throttle wider than one channel slows the whole platform: a "global" retry-after (Discord says
so) pauses every send until it passes; several channels told to wait at about the same time
(Telegram does not say why) is taken as one, and also lowers the overall rate for a while,
recovering gradually.

`CommandAllowance` applies the same GCRA cells to commands coming in: one allowance per (chat,
sender), so one reader spamming commands in a group cannot spend the whole group's reply budget.

Time comes from the injected `Clock`, so tests can drive it by hand or run it scaled.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Literal

from bot.clock import Clock

Priority = Literal["reply", "broadcast"]
_EPSILON = 1e-6
CHANNEL_MARGIN = 0.05
"""Per-channel rates are kept this much slower than the platform's."""


@dataclass(frozen=True, slots=True)
class Throttling:
    """When 429s from several channels mean the platform throttles the whole bot, and how to react."""

    channels: int = 3
    """This many distinct channels told to wait ..."""
    within: float = 2.0
    """... within this many seconds is a platform-wide throttle."""
    slowdown: float = 0.5
    """Each platform-wide throttle multiplies the overall rate by this ..."""
    floor: float = 0.1
    """... down to this fraction of it at least ..."""
    recovery: float = 30.0
    """... and it comes back to full speed linearly over this many seconds (from zero)."""
    hold: float = 1.0
    """Any 429 holds every channel this long (at most its retry_after): Herald paces each chat
    itself, so a 429 most often means the bot as a whole is over the limit, and one more send into
    it is one more 429. A 429 that really was for one chat costs the others at most this."""


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
    throttling: Throttling = Throttling()
    shared_by: Callable[[str], str] | None = None
    """The key whose per-channel limit a channel spends (e.g. a Telegram forum topic spends its
    group's); None: every channel has its own."""

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
            throttling=replace(
                self.throttling, within=self.throttling.within / factor,
                recovery=self.throttling.recovery / factor, hold=self.throttling.hold / factor,
            ),
        )


@dataclass(slots=True)
class GcraCell:
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
        self._base = rate
        self._rate = rate
        self._clock = clock
        self._cell = GcraCell()
        self.speed: Callable[[float], float] = lambda _now: 1.0
        """The fraction of the overall rate allowed at a time (lowered after a global throttle)."""
        self.share = 1.0
        """This replica's part of the overall rate (1 / live replicas): the rate and its bursts."""
        self._factor = 1.0
        self._waiting: dict[str, deque[asyncio.Future[None]]] = {
            "reply": deque(),
            "broadcast": deque(),
        }
        self._pump: asyncio.Task[None] | None = None

    def pause(self, until: float) -> None:
        """Hand out no slot before `until` (a timestamp)."""
        self._cell.paused_until = max(self._cell.paused_until, until)

    def _current(self, now: float) -> Rate:
        factor = self.speed(now) * self.share
        if factor >= 1.0:
            return self._base
        if factor != self._factor:
            self._factor = factor
            burst = max(1, int(self._base.burst * self.share))
            self._rate = replace(self._base.scaled(factor), burst=burst)
        return self._rate

    async def take(self, priority: Priority) -> None:
        """Wait for a slot of the overall rate."""
        now = self._clock.now().timestamp()
        if self._head() is None and self._cell.delay(self._current(now), now) <= 0:
            self._cell.consume(self._current(now), now)
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
            rate = self._current(now)
            wait = self._cell.delay(rate, now)
            if wait > 0:
                await self._clock.sleep(wait)
                continue  # pick the head again: a reply may have arrived meanwhile
            for queue in self._waiting.values():
                if queue and queue[0] is head:
                    queue.popleft()
                    break
            self._cell.consume(rate, now)
            head.set_result(None)


class RateLimiter:
    """The limits of one platform, shared by its broadcast workers and command replies."""

    _PRUNE_ABOVE = 4096

    def __init__(self, limits: RateLimits, clock: Clock) -> None:
        self.limits = limits
        self._clock = clock
        self._slots = _Slots(limits.overall, clock)
        self._slots.speed = self.speed
        self._cells: dict[str, GcraCell] = {}
        self._told: deque[tuple[float, str, float]] = deque()
        """Recent 429s: (when, channel, retry_after)."""
        self._slowed: tuple[float, float] = (float("-inf"), 1.0)
        """The last platform-wide throttle: when, and the speed it left."""
        self.global_throttles = 0
        """How many platform-wide throttles were seen (for tests and benchmarks)."""
        self.on_global: Callable[[float], None] | None = None
        """Told the pause (seconds) of every platform-wide throttle seen here, so other replicas
        sending for the same bot hold theirs too (`told_elsewhere`)."""

    def _key(self, channel_id: str) -> str:
        """Return the key of the per-channel limit this channel spends (`RateLimits.shared_by`)."""
        shared_by = self.limits.shared_by
        return channel_id if shared_by is None else shared_by(channel_id)

    def delay(self, channel_id: str, cls: str) -> float:
        """Return how long this channel must wait before its next message (pauses included)."""
        cell = self._cells.get(self._key(channel_id))
        if cell is None:
            return 0.0
        return cell.delay(self._channel_rate(cls), self._now())

    def pause(self, channel_id: str, seconds: float) -> None:
        """Hold this channel (only) for exactly `seconds` from now."""
        cell = self._cell(self._key(channel_id))
        cell.paused_until = max(cell.paused_until, self._now() + max(0.0, seconds))

    def throttled(self, channel_id: str, retry_after: float, *, everywhere: bool = False) -> bool:
        """The platform answered "retry after" for this channel: hold it that long. When the
        platform said the limit is global (`everywhere`), or several channels were told to wait
        within `Throttling.within` seconds, hold every channel for the longest of those waits and
        lower the overall rate; return whether it was taken as platform-wide.

        A single 429 holds its channel for the whole retry_after and the others only for
        `Throttling.hold`: Telegram gives per-chat 429s too, and pausing every chat for all of one
        (as PTB's AIORateLimiter does) would let one busy chat stall all."""
        now, policy = self._now(), self.limits.throttling
        self.pause(channel_id, retry_after)
        self._slots.pause(now + min(retry_after, policy.hold))
        self._told.append((now, self._key(channel_id), retry_after))
        while self._told and self._told[0][0] < now - policy.within:
            self._told.popleft()
        if not everywhere and len({channel for _, channel, _ in self._told}) < policy.channels:
            return False
        longest = max(wait for _, _, wait in self._told)
        self._slots.pause(now + longest)
        self._told.clear()
        self._slowed = (now, max(policy.floor, self.speed(now) * policy.slowdown))
        self.global_throttles += 1
        if self.on_global is not None:
            self.on_global(longest)
        return True

    def told_elsewhere(self, seconds: float) -> None:
        """Another replica sending for this bot was throttled platform-wide: hold every channel
        here for `seconds` too, and slow down as if the 429 had been ours."""
        now, policy = self._now(), self.limits.throttling
        self._slots.pause(now + max(0.0, seconds))
        self._slowed = (now, max(policy.floor, self.speed(now) * policy.slowdown))

    def share(self, fraction: float) -> None:
        """Take only `fraction` of the overall rate (and of its bursts): this replica's part when
        several send for one bot. Per-channel limits stay whole: each chat has one sender."""
        self._slots.share = min(1.0, max(_EPSILON, fraction))

    def speed(self, now: float | None = None) -> float:
        """Return the fraction of the overall rate allowed now (1.0 unless recently throttled)."""
        at, slowed = self._slowed
        if slowed >= 1.0:
            return 1.0
        now = self._now() if now is None else now
        recovered = slowed + max(0.0, now - at) / max(_EPSILON, self.limits.throttling.recovery)
        if recovered >= 1.0:
            self._slowed = (at, 1.0)
            return 1.0
        return recovered

    async def acquire(self, channel_id: str, cls: str, priority: Priority = "broadcast") -> None:
        """Wait until one message may go to this channel, then count it."""
        rate = self._channel_rate(cls)
        cell = self._cell(self._key(channel_id))
        async with cell.lock:
            while (wait := cell.delay(rate, self._now())) > 0:
                await self._clock.sleep(wait)
            await self._slots.take(priority)
            # Counted when the overall slot is granted, i.e. when the message really goes out.
            cell.consume(rate, self._now())

    def _channel_rate(self, cls: str) -> Rate:
        """Return the class's per-channel rate, kept `CHANNEL_MARGIN` slower."""
        return self.limits.for_class(cls).scaled(1.0 / (1.0 + CHANNEL_MARGIN))

    def _now(self) -> float:
        return self._clock.now().timestamp()

    def _cell(self, channel_id: str) -> GcraCell:
        cell = self._cells.get(channel_id)
        if cell is None:
            if len(self._cells) >= self._PRUNE_ABOVE:
                self._prune()
            cell = self._cells[channel_id] = GcraCell()
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
