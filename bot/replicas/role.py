"""A role this replica may hold for a while (a platform's receiver, the scheduler): what the
parts that run only on its holder wait on.

`bot.replicas.coordinator` grants and revokes roles as their database leases are taken, renewed
or lost; a replica on SQLite (one process) holds every role from the start (`Role.held_now`).
"""

from __future__ import annotations

import asyncio

from bot.waits import first_of

RECEIVER = "receiver:"
"""Prefix of a platform's receiver role: `receiver:telegram`, `receiver:discord`."""
SCHEDULER = "scheduler"
"""The role of the replica that watches the content folder and runs every timed job."""


def receiver(platform: str) -> str:
    """The role name of `platform`'s receiver (long polling or webhook, the Discord gateway)."""
    return RECEIVER + platform


class Role:
    """Whether this replica holds one role now, and waits for that to change."""

    def __init__(self, name: str, *, held: bool = False) -> None:
        self.name = name
        self._held = asyncio.Event()
        self._lost = asyncio.Event()
        self.changes = 0
        """How many times this replica took the role (a leadership change each)."""
        if held:
            self.grant()
        else:
            self._lost.set()

    @classmethod
    def held_now(cls, name: str) -> Role:
        """A role held for good (one process: SQLite, the console, tests)."""
        return cls(name, held=True)

    @property
    def held(self) -> bool:
        """Whether this replica holds the role now."""
        return self._held.is_set()

    def grant(self) -> bool:
        """This replica took (or still holds) the role; True when it did not hold it before."""
        if self._held.is_set():
            return False
        self._lost.clear()
        self._held.set()
        self.changes += 1
        return True

    def revoke(self) -> bool:
        """This replica no longer holds the role; True when it held it before."""
        if not self._held.is_set():
            return False
        self._held.clear()
        self._lost.set()
        return True

    async def wait_held(self, stop: asyncio.Event) -> bool:
        """Wait until the role is held (True) or `stop` is set (False)."""
        if not self.held and not stop.is_set():
            await first_of(self._held, stop)
        return self.held and not stop.is_set()

    async def wait_lost(self, stop: asyncio.Event) -> None:
        """Wait until the role is no longer held, or `stop` is set."""
        if self.held and not stop.is_set():
            await first_of(self._lost, stop)

    async def turn(self, stop: asyncio.Event, ended: asyncio.Event) -> None:
        """Set `ended` once the role is lost or `stop` is set (run it as a task for one turn)."""
        await self.wait_lost(stop)
        ended.set()
