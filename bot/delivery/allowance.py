"""Command allowances: how many commands each reader may send before Herald stops answering
them for a while, so one reader spamming a group cannot spend the group's reply budget. The
same GCRA cell as the send limits (`bot.delivery.ratelimit`), refused instead of queued."""

from __future__ import annotations

import time
from collections.abc import Callable, Hashable

from bot.delivery.ratelimit import GcraCell, Rate

PRIVATE_COMMANDS = Rate(1, 1.0, burst=8)
"""A reader in a private chat: eight commands at once, then one a second."""
GROUP_COMMANDS = Rate(1, 5.0, burst=4)
"""A reader in a group: four at once, then one every five seconds, so a busy group keeps most of
Telegram's 20 replies a minute for everyone else."""


class CommandAllowance:
    """How many commands each reader may send: one GCRA cell per (chat, sender), refused (not
    queued) when it is spent. At most `capacity` readers are remembered: readers whose allowance
    is whole again are forgotten first (a cell past its `tat` is as good as new, whatever its
    rate), then the least recently seen."""

    def __init__(
        self,
        *,
        private: Rate = PRIVATE_COMMANDS,
        group: Rate = GROUP_COMMANDS,
        capacity: int = 10_000,
        now: Callable[[], float] = time.monotonic,
    ) -> None:
        self._private = private
        self._group = group
        self._capacity = max(1, capacity)
        self._now = now
        self._cells: dict[Hashable, GcraCell] = {}

    def allow(self, chat_id: Hashable, user_id: Hashable, *, group: bool) -> bool:
        """Spend one command of this reader in this chat; False when they must slow down."""
        rate = self._group if group else self._private
        now = self._now()
        key = (chat_id, user_id)
        cell = self._cells.pop(key, None)  # re-inserted below: the dict stays in order of use
        if cell is None:
            if len(self._cells) >= self._capacity:
                self._prune(now)
            cell = GcraCell()
        self._cells[key] = cell
        if cell.delay(rate, now) > 0:
            return False
        cell.consume(rate, now)
        return True

    def _prune(self, now: float) -> None:
        """Forget readers whose allowance is whole again; if that frees too little, the least
        recently seen too, down to three quarters of `capacity`."""
        for key in [key for key, cell in self._cells.items() if cell.tat <= now]:
            del self._cells[key]
        excess = len(self._cells) - self._capacity * 3 // 4
        for key in list(self._cells)[: max(0, excess)]:
            del self._cells[key]
