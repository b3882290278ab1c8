"""The scheduler: periodic jobs (the full content rescan, the metrics gauges) and one-shot jobs.

A thin wrapper around APScheduler 3's `AsyncIOScheduler` in UTC. It keeps no job store: the
database holds the truth (queue rows, future-dated articles), and what is due at a moment is
waited for by `bot.app.watch_due`, which reads it from the database. Every job coalesces missed
runs into one and never overlaps itself.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.date import DateTrigger
from apscheduler.triggers.interval import IntervalTrigger

__all__ = ["JobFunction", "Scheduler"]

log = logging.getLogger("herald.scheduler")

JobFunction = Callable[[], Awaitable[object]]


class Scheduler:
    """Run coroutine functions every so often or once at a time; jobs are named, a name replaces."""

    def __init__(self, *, misfire_grace: int = 60) -> None:
        self._scheduler = AsyncIOScheduler(timezone=UTC)
        self._misfire_grace = max(1, int(misfire_grace))  # APScheduler wants whole seconds

    @property
    def running(self) -> bool:
        """Tell whether the scheduler has been started and not shut down."""
        return bool(self._scheduler.running)

    def every(self, seconds: float, coro_fn: JobFunction, name: str, *, first: datetime | None = None) -> None:
        """Run `coro_fn` every `seconds` (first after one interval, or at `first`); replace a job of that name."""
        if seconds <= 0:
            raise ValueError(f"interval of job {name!r} must be positive, not {seconds}")
        trigger = IntervalTrigger(seconds=seconds, timezone=UTC)
        self.cancel(name)  # before start() APScheduler would keep both; a name means one job
        self._scheduler.add_job(
            _guarded(coro_fn, name), trigger, id=name, name=name, replace_existing=True,
            coalesce=True, max_instances=1, misfire_grace_time=self._misfire_grace,
            next_run_time=first or datetime.now(UTC) + timedelta(seconds=seconds),
        )

    def at(self, when: datetime, coro_fn: JobFunction, name: str) -> None:
        """Run `coro_fn` once at `when` (at once if that has passed); replace a job of that name."""
        if when.tzinfo is None:
            raise ValueError("job times must be timezone-aware")
        when = max(when.astimezone(UTC), datetime.now(UTC))
        # No misfire grace: a one-shot stands for a row in the database and must run even if the
        # machine slept through its time; the job itself decides what is too late.
        self.cancel(name)
        self._scheduler.add_job(
            _guarded(coro_fn, name), DateTrigger(run_date=when, timezone=UTC), id=name, name=name,
            replace_existing=True, coalesce=True, max_instances=1, misfire_grace_time=None,
        )

    def cancel(self, name: str) -> bool:
        """Remove the job of this name; tell whether there was one."""
        if self._scheduler.get_job(name) is None:
            return False
        self._scheduler.remove_job(name)
        return True

    def next_run(self, name: str) -> datetime | None:
        """Return when the job of this name runs next, or None if there is no such job."""
        job = self._scheduler.get_job(name)
        if job is None:
            return None
        if hasattr(job, "next_run_time"):  # set once the scheduler has started
            return job.next_run_time
        return job.trigger.get_next_fire_time(None, datetime.now(UTC))

    def start(self) -> None:
        """Start running jobs on the current event loop."""
        self._scheduler.start()

    async def shutdown(self) -> None:
        """Stop running jobs (runs in progress are cancelled); safe to call when not running."""
        if self._scheduler.running:
            self._scheduler.shutdown(wait=False)
            await asyncio.sleep(0)  # APScheduler finishes its shutdown in a loop callback


def _guarded(coro_fn: JobFunction, name: str) -> Callable[[], Awaitable[None]]:
    """Wrap a job so its failure is logged under its name and the schedule goes on."""

    async def job() -> None:
        try:
            await coro_fn()
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("scheduled job %s failed", name)

    job.__name__ = job.__qualname__ = f"job_{name}"
    return job
