"""Due times on APScheduler: future-dated posts and admin queue items go out when their moment comes.

The database is the truth across restarts; the scheduler only keeps the next wake-up. One
one-shot job (`DUE_JOB`, a `DateTrigger`) waits for the next due moment read from the database.
Each look runs what is due, reads the next moment and replaces that job. A look is asked for at
start and whenever an index pass or a queue change says the moment may have moved (`changed`).
A periodic look (`POLL_JOB`, every `poll` seconds) catches rows another process added (`herald
queue add` from the shell) and a clock that is not the wall clock (tests move theirs by hand).

Looks never overlap: one asked for while another runs makes the running one read again before
it ends.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta

from bot.clock import Clock
from bot.schedule import Scheduler

__all__ = ["DUE_JOB", "POLL_JOB", "DueTimes"]

log = logging.getLogger("herald.due")

DUE_JOB = "due"
POLL_JOB = "due-look"
STILL_DUE = 1.0
"""Seconds before looking again when something is still due right after it was run (a failed
broadcast, a row another process holds): the look is repeated, never spun."""

NextDue = Callable[[], Awaitable[datetime | None]]
RunDue = Callable[[], Awaitable[None]]


class DueTimes:
    """Run what is due whenever the next due moment read from the database has come (on `clock`'s time)."""

    def __init__(self, clock: Clock) -> None:
        self._clock = clock
        self._next_due: NextDue | None = None
        self._run_due: RunDue | None = None
        self._scheduler: Scheduler | None = None
        self._busy = False
        self._again = False

    def start(self, scheduler: Scheduler, *, poll: float, next_due: NextDue, run_due: RunDue) -> None:
        """Look now, then at every due moment and every `poll` seconds, on `scheduler`: read the
        next due moment with `next_due()`, run what is due with `run_due()`."""
        self._next_due, self._run_due = next_due, run_due
        self._scheduler = scheduler
        scheduler.every(poll, self.look, POLL_JOB)
        self.changed()

    def changed(self) -> None:
        """The next due moment may have moved: look again now (or once the look under way ends)."""
        if self._scheduler is None:
            return  # not running yet: the look at start reads it
        if self._busy:
            self._again = True
            return
        self._scheduler.at(datetime.now(UTC), self.look, DUE_JOB)

    async def look(self) -> None:
        """Run what is due now, then set the one-shot job to the next due moment."""
        if self._busy:
            self._again = True
            return
        self._busy = True
        try:
            wake = await self._run_and_read()
        except Exception:  # the database may be briefly unreachable: the periodic look tries again
            log.exception("checking what is due failed")
            return
        finally:
            self._busy = False
        if self._scheduler is None:
            return
        if wake is None:
            self._scheduler.cancel(DUE_JOB)  # nothing waits: the periodic look sees new rows
        else:
            self._scheduler.at(wake, self.look, DUE_JOB)

    async def _run_and_read(self) -> datetime | None:
        """Run what is due (once), read the next due moment again while something changed meanwhile,
        and return the wall-clock moment to look again (None: nothing is waiting)."""
        assert self._next_due is not None and self._run_due is not None  # set by start()
        ran = False
        while True:
            self._again = False
            upcoming = await self._next_due()
            now = self._clock.now()
            if upcoming is not None and upcoming <= now and not ran:
                await self._run_due()
                ran = True
                continue
            if not self._again:
                break
        if upcoming is None:
            return None
        wait = upcoming - now if upcoming > now else timedelta(seconds=STILL_DUE)
        return datetime.now(UTC) + wait
