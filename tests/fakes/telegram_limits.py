"""Flood control of the fake Bot API: Telegram's published send limits, as buckets and windows.

Telegram answers 429 "Too Many Requests: retry after N" past about 30 messages/second for one bot,
about 1 message/second in one chat (short bursts tolerated) and 20 messages/minute in one group
or channel (core.telegram.org/bots/faq#my-bot-is-hitting-limits-how-do-i-avoid-this).

A send with `allow_paid_broadcast` is not held to the 30/s: sends of either kind share a bucket of
1,000 a second, and sends without the flag must also fit the 30/s. (Whether Telegram spends the
free 30/s on paid sends first is not documented; here paid sends leave it to the others.) The
per-chat and per-group limits apply to every send.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, replace


@dataclass(frozen=True)
class FakeLimits:
    """Send limits the fake enforces; the defaults are Telegram's."""

    global_per_second: float = 30.0
    chat_per_second: float = 1.0
    chat_burst: int = 3
    group_per_minute: int = 20
    group_window: float = 60.0  # seconds the group_per_minute count applies to
    paid_per_second: float = 1000.0  # over all chats, sends with allow_paid_broadcast included
    enabled: bool = True

    def scaled(self, factor: float) -> FakeLimits:
        """Return these limits with every rate multiplied by `factor` (for fast tests and benches)."""
        return replace(
            self,
            global_per_second=self.global_per_second * factor,
            paid_per_second=self.paid_per_second * factor,
            chat_per_second=self.chat_per_second * factor,
            group_window=self.group_window / factor,
        )

    @classmethod
    def off(cls) -> FakeLimits:
        """Return limits that never answer 429."""
        return cls(enabled=False)


class TokenBucket:
    """`rate` tokens a second, holding at most `capacity`: bursts up to capacity, then the rate."""

    def __init__(self, rate: float, capacity: float, now: float) -> None:
        self.rate = rate
        self.capacity = capacity
        self.tokens = capacity
        self.stamp = now

    def wait(self, now: float) -> float:
        """Return the seconds until one token is available (0 when one is)."""
        self.tokens = min(self.capacity, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        return 0.0 if self.tokens >= 1 else (1 - self.tokens) / self.rate

    def take(self) -> None:
        """Spend one token (after `wait` returned 0)."""
        self.tokens -= 1


class SlidingWindow:
    """At most `limit` events in any `period` seconds."""

    def __init__(self, limit: int, period: float) -> None:
        self.limit = limit
        self.period = period
        self.events: deque[float] = deque()

    def wait(self, now: float) -> float:
        """Return the seconds until another event fits in the window (0 when it does)."""
        while self.events and self.events[0] <= now - self.period:
            self.events.popleft()
        if len(self.events) < self.limit:
            return 0.0
        return self.events[0] + self.period - now

    def take(self, now: float) -> None:
        """Record one event at `now`."""
        self.events.append(now)


class FloodControl:
    """The fake's flood control: answers how long a send must wait, and records accepted sends."""

    def __init__(self, limits: FakeLimits, clock: Callable[[], float]) -> None:
        self.limits = limits
        self.clock = clock
        self.overall = TokenBucket(limits.global_per_second, limits.global_per_second, clock())
        self.paid_overall = TokenBucket(limits.paid_per_second, limits.paid_per_second, clock())
        """Every send counts here; sends without `allow_paid_broadcast` count in `overall` too."""
        self.chats: dict[int, TokenBucket] = {}
        self.groups: dict[int, SlidingWindow] = {}
        self._dropped: tuple[float, TokenBucket] | None = None
        self._told: dict[int, float] = {}  # chat → until when a 429 told it to wait
        self._global_until = float("-inf")
        self.early_retries = 0
        """Sends to a chat made before the retry_after a 429 gave that chat had passed."""
        self.during_global = 0
        """Sends to any chat while a 429 caused by the overall limit was in force."""
        self.paid = 0
        """Accepted sends that carried `allow_paid_broadcast`."""

    def drop_global(self, per_second: float, seconds: float) -> None:
        """Lower the overall limit to `per_second` for the next `seconds` (Telegram under load)."""
        now = self.clock()
        bucket = TokenBucket(per_second, per_second, now)
        self.overall.wait(now)  # brings its tokens up to date
        bucket.tokens = min(per_second, max(0.0, self.overall.tokens))
        self._dropped = (now + seconds, bucket)

    def _overall(self, now: float) -> TokenBucket:
        if self._dropped is not None:
            if now < self._dropped[0]:
                return self._dropped[1]
            self._dropped = None
        return self.overall

    def retry_after(self, chat_id: int, is_group: bool, *, paid: bool = False) -> int:
        """Return 0 and count the send when it is allowed, else the whole seconds to wait (≥ 1);
        `paid`: the send carries `allow_paid_broadcast`."""
        if not self.limits.enabled:
            return 0
        now = self.clock()
        if now < self._told.get(chat_id, float("-inf")):
            self.early_retries += 1
        if now < self._global_until:
            self.during_global += 1
        wait = self._check(chat_id, is_group, now, paid)
        if wait:
            self._told[chat_id] = now + wait
        return wait

    def _check(self, chat_id: int, is_group: bool, now: float, paid: bool) -> int:
        overall = self.paid_overall if paid else self._overall(now)
        chat = self.chats.get(chat_id)
        if chat is None:
            chat = self.chats[chat_id] = TokenBucket(
                self.limits.chat_per_second, max(1, self.limits.chat_burst), now
            )
        waits = [overall.wait(now), chat.wait(now)]
        if not paid:
            waits[0] = max(waits[0], self.paid_overall.wait(now))
        group = None
        if is_group:
            group = self.groups.get(chat_id)
            if group is None:
                group = self.groups[chat_id] = SlidingWindow(self.limits.group_per_minute, self.limits.group_window)
            waits.append(group.wait(now))
        wait = max(waits)
        if wait > 0:
            seconds = max(1, math.ceil(wait))
            if waits[0] > 0:  # the bot as a whole is over the limit
                self._global_until = max(self._global_until, now + seconds)
            return seconds
        overall.take()
        if paid:
            self.paid += 1
        else:
            self.paid_overall.take()
        chat.take()
        if group is not None:
            group.take(now)
        return 0
