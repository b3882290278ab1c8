"""Flood control for commands: one token bucket per (chat, user), so a reader who spams commands
in a group is slowed down while everyone else (and every other chat) is answered as usual.

Replies in a group share Telegram's 20 messages/minute for that group; without this, one
reader could spend the whole group's budget.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Allowance:
    """How many commands a reader may send at once (`burst`), and how fast it refills."""

    burst: int
    per_second: float


PRIVATE = Allowance(burst=8, per_second=1.0)
GROUP = Allowance(burst=4, per_second=0.2)
"""Four at once, then one every five seconds: a busy group keeps most of its 20/min."""


class CommandFlood:
    """Per-reader token buckets; `allow` says whether to answer this command."""

    _PRUNE_ABOVE = 10_000

    def __init__(
        self,
        *,
        private: Allowance = PRIVATE,
        group: Allowance = GROUP,
        now: Callable[[], float] = time.monotonic,
    ) -> None:
        self._private = private
        self._group = group
        self._now = now
        self._buckets: dict[tuple[int, int], tuple[float, float]] = {}

    def allow(self, chat_id: int, user_id: int, *, group: bool) -> bool:
        """Spend one command of this reader in this chat; False when they must slow down."""
        allowance = self._group if group else self._private
        now = self._now()
        tokens, stamp = self._buckets.get((chat_id, user_id), (float(allowance.burst), now))
        tokens = min(float(allowance.burst), tokens + (now - stamp) * allowance.per_second)
        if tokens < 1.0:
            self._buckets[(chat_id, user_id)] = (tokens, now)
            return False
        if len(self._buckets) >= self._PRUNE_ABOVE:
            self._prune(now)
        self._buckets[(chat_id, user_id)] = (tokens - 1.0, now)
        return True

    def _prune(self, now: float) -> None:
        """Forget readers whose bucket has refilled (they are as good as new)."""
        full = [
            key
            for key, (tokens, stamp) in self._buckets.items()
            if tokens + (now - stamp) * self._group.per_second >= self._group.burst
        ]
        for key in full:
            del self._buckets[key]
