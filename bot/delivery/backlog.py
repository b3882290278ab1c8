"""The in-memory backlog of one delivery run: claimed rows waiting for a worker, one send per
target at a time (so a chat's messages go out in order), and the targets found stopped or moved
meanwhile, whose rows still held in memory must not be sent."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

from bot.delivery.outbox import Claimed


class Backlog:
    """Claimed rows waiting for a worker, and how many claimed rows are not finished yet."""

    def __init__(self) -> None:
        self.queue: asyncio.Queue[tuple[int, Claimed]] = asyncio.Queue()
        self.open = 0
        self.changed = asyncio.Event()
        self.generation = 0
        self._targets: dict[tuple[str, str], tuple[asyncio.Lock, list[int]]] = {}
        self.stale: dict[tuple[str, str], int] = {}
        """Targets stopped or moved, with the claim generation then: the rows we held for them
        were already failed or moved in the database, so they must not be sent."""
        self.let_go = 0
        """Rows claimed in this generation or before were let go (this replica was cut off from the
        others, who take them over): none of them may be sent here any more."""

    def add(self, jobs: list[Claimed]) -> None:
        """Queue newly claimed rows (one claim generation)."""
        if not jobs:
            return
        self.generation += 1
        for job in jobs:
            self.queue.put_nowait((self.generation, job))
        self.open += len(jobs)

    def mark_stale(self, platform: str, channel_id: str) -> None:
        """The target was stopped or moved: rows claimed for it so far must not be sent."""
        self.stale[(platform, channel_id)] = self.generation

    def let_go_all(self) -> list[Claimed]:
        """Give up every row claimed so far: return those no worker started on, and make the
        ones a worker holds but has not sent yet stale."""
        self.let_go = self.generation
        return self.take_queued()

    def is_stale(self, generation: int, job: Claimed) -> bool:
        """Whether `job` (claimed in `generation`) was claimed before its target was stopped or
        moved, or before every row was let go."""
        return generation <= self.let_go or self.stale.get((job.platform, job.channel_id), -1) >= generation

    def done(self) -> None:
        """One started row is finished."""
        self.open -= 1
        if self.open == 0:
            self.stale.clear()  # no row held from before any of them remains
        self.changed.set()

    @contextlib.asynccontextmanager
    async def one_at_a_time(self, job: Claimed) -> AsyncIterator[None]:
        """Hold the job's target: its messages go out in order, and once a send finds it gone
        or moved, the rows still waiting for it see that before sending."""
        key = (job.platform, job.channel_id)
        entry = self._targets.setdefault(key, (asyncio.Lock(), [0]))
        entry[1][0] += 1
        try:
            async with entry[0]:
                yield
        finally:
            entry[1][0] -= 1
            if entry[1][0] == 0:
                del self._targets[key]

    def take_queued(self) -> list[Claimed]:
        """Remove and return the rows no worker has started on."""
        taken = []
        while not self.queue.empty():
            taken.append(self.queue.get_nowait()[1])
            self.open -= 1
        return taken

    async def settled(self) -> None:
        """Wait until every started row is finished."""
        while self.open > 0:
            self.changed.clear()
            await self.changed.wait()
