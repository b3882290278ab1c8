"""The digests' scheduler job: make the digests that are due, on the replica holding the scheduler role.

`DigestJob.start` runs a look at start, every `poll` seconds (a safety net for schedules another
process or the panel changed), and once more at the next due moment read from the database (a
one-shot APScheduler job, set again after every look, so a digest due at 08:00 is made at 08:00).
Each look calls `make_due_digests` and wakes the delivery engine when it queued digests to send.
Looks never overlap; the database keeps them once per period even if they did.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, tzinfo

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.clock import Clock
from bot.digests.store import make_due_digests, next_due
from bot.schedule import Scheduler

__all__ = ["DIGEST_JOB", "DIGEST_POLL", "DIGEST_WAKE_JOB", "DigestJob"]

log = logging.getLogger("herald.digests")

DIGEST_JOB = "digests"
DIGEST_WAKE_JOB = "digest-due"
DIGEST_POLL = 60.0
"""Seconds between two looks at which digests are due (besides the one-shot at the next due time)."""


class DigestJob:
    """Make due digests on `clock`'s time and tell the delivery engine (`wake`) when some were queued."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        *,
        clock: Clock,
        zone: tzinfo | str,
        wake: Callable[[], None],
        poll: float = DIGEST_POLL,
    ) -> None:
        self._sessions = sessions
        self._clock = clock
        self._zone = zone
        self._wake = wake
        self.poll = poll
        """Seconds between two periodic looks (tests shorten it)."""
        self._scheduler: Scheduler | None = None
        self._lock = asyncio.Lock()

    def start(self, scheduler: Scheduler) -> None:
        """Look now, then every `poll` seconds and at each next due moment, on `scheduler`."""
        self._scheduler = scheduler
        scheduler.every(self.poll, self.look, DIGEST_JOB)
        scheduler.at(datetime.now(UTC), self.look, DIGEST_WAKE_JOB)

    async def look(self) -> int:
        """Make every due digest now; return how many were queued to send."""
        async with self._lock:
            added = await make_due_digests(self._sessions, now=self._clock.now(), default_zone=self._zone)
            if added:
                log.info("%d digest(s) queued to send", added)
                self._wake()
            upcoming = await next_due(self._sessions)
        self._wake_at(upcoming)
        return added

    def _wake_at(self, upcoming: datetime | None) -> None:
        """Set the one-shot look at the next due moment (on the wall clock)."""
        if self._scheduler is None:
            return
        if upcoming is None:
            self._scheduler.cancel(DIGEST_WAKE_JOB)
            return
        wait = upcoming - self._clock.now()
        if wait <= timedelta(0):
            return  # still due after this look (a digest that failed): the periodic look retries
        self._scheduler.at(datetime.now(UTC) + wait, self.look, DIGEST_WAKE_JOB)
