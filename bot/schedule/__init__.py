"""The scheduler: every timed job of a running Herald, on APScheduler 3's `AsyncIOScheduler` (UTC).

Periodic jobs (`every`: the full content rescan, the metrics gauges, the look at what is due)
and one-shot jobs (`at`: the next due moment of a future-dated post or a queue item, see
`bot.schedule.due`). It keeps no job store: the database holds the truth (queue rows,
future-dated articles) and the jobs are set again from it at every start. Every job coalesces
missed runs into one, never overlaps itself, and has its failures logged under its name.
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

    def every(self, seconds: float, coro_fn: JobFunction, name: str) -> None:
        """Run `coro_fn` every `seconds` (first after one interval); replace a job of that name."""
        if seconds <= 0:
            raise ValueError(f"interval of job {name!r} must be positive, not {seconds}")
        trigger = IntervalTrigger(seconds=seconds, timezone=UTC)
        self.cancel(name)  # before start() APScheduler would keep both; a name means one job
        self._scheduler.add_job(
            _guarded(coro_fn, name), trigger, id=name, name=name, replace_existing=True,
            coalesce=True, max_instances=1, misfire_grace_time=self._misfire_grace,
            next_run_time=datetime.now(UTC) + timedelta(seconds=seconds),
        )

    def at(self, when: datetime, coro_fn: JobFunction, name: str) -> None:
        """Run `coro_fn` once at `when` (at once if that has passed); replace a job of that name."""
        if when.tzinfo is None:
            raise ValueError("job times must be timezone-aware")
        when = max(when.astimezone(UTC), datetime.now(UTC))
        # No misfire grace: a one-shot stands for a row in the database and must run even if the
        # machine slept through its time; the job itself decides what is too late. Two instances:
        # a job that sets its own next one-shot (a look at what is due) is still counted as running
        # until its task's completion callback runs, which comes after the new one-shot fires when
        # that is due at once; with one instance that firing is skipped and the one-shot is lost.
        # The jobs serialise themselves (a lock, or a busy flag).
        self.cancel(name)
        self._scheduler.add_job(
            _guarded(coro_fn, name), DateTrigger(run_date=when, timezone=UTC), id=name, name=name,
            replace_existing=True, coalesce=True, max_instances=2, misfire_grace_time=None,
        )

    def cancel(self, name: str) -> bool:
        """Remove the job of this name; tell whether there was one."""
        if self._scheduler.get_job(name) is None:
            return False
        self._scheduler.remove_job(name)
        return True

    @property
    def running(self) -> bool:
        """Whether jobs run (started, not shut down)."""
        return bool(self._scheduler.running)

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
            log.debug("scheduled job %s was cancelled (shutdown)", name)  # APScheduler would log it as a crash
            return
        except Exception:
            log.exception("scheduled job %s failed", name)

    job.__name__ = job.__qualname__ = f"job_{name}"
    return job
