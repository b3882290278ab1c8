"""The scheduler: periodic jobs repeat, one-shot jobs run once, names replace, failures are contained."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime, timedelta

import pytest

from bot.schedule import Scheduler

WAIT = 5.0


async def test_a_periodic_job_runs_repeatedly() -> None:
    runs = 0
    thrice = asyncio.Event()

    async def rescan() -> None:
        nonlocal runs
        runs += 1
        if runs >= 3:
            thrice.set()

    scheduler = Scheduler()
    scheduler.every(0.05, rescan, "rescan")
    scheduler.start()
    try:
        await asyncio.wait_for(thrice.wait(), WAIT)
    finally:
        await scheduler.shutdown()
    assert runs >= 3


async def test_a_one_shot_job_runs_once() -> None:
    runs = 0
    ran = asyncio.Event()
    ticks = asyncio.Event()
    tick_count = 0

    async def wake() -> None:
        nonlocal runs
        runs += 1
        ran.set()

    async def tick() -> None:
        nonlocal tick_count
        tick_count += 1
        if tick_count >= 5:
            ticks.set()

    scheduler = Scheduler()
    scheduler.start()
    try:
        scheduler.at(datetime.now(UTC) + timedelta(seconds=0.05), wake, "publish-due")
        scheduler.every(0.05, tick, "tick")
        await asyncio.wait_for(ran.wait(), WAIT)
        await asyncio.wait_for(ticks.wait(), WAIT)  # plenty of time for a second run, had there been one
    finally:
        await scheduler.shutdown()
    assert runs == 1


async def test_a_time_already_passed_runs_at_once() -> None:
    ran = asyncio.Event()

    async def overdue() -> None:
        ran.set()

    scheduler = Scheduler()
    scheduler.at(datetime.now(UTC) - timedelta(hours=3), overdue, "queue-item")
    scheduler.start()
    try:
        await asyncio.wait_for(ran.wait(), WAIT)
    finally:
        await scheduler.shutdown()


async def _ticks(scheduler: Scheduler, count: int = 5) -> None:
    """Wait for `count` runs of a fast periodic job: time enough for any job due meanwhile."""
    ticked = 0
    done = asyncio.Event()

    async def tick() -> None:
        nonlocal ticked
        ticked += 1
        if ticked >= count:
            done.set()

    scheduler.every(0.05, tick, "tick")
    await asyncio.wait_for(done.wait(), WAIT)
    scheduler.cancel("tick")


async def test_scheduling_a_name_again_replaces_the_job() -> None:
    called: list[str] = []
    ran = asyncio.Event()

    async def first() -> None:
        called.append("first")

    async def second() -> None:
        called.append("second")
        ran.set()

    scheduler = Scheduler()
    scheduler.start()
    try:
        soon = datetime.now(UTC) + timedelta(seconds=0.05)
        scheduler.at(soon, first, "wake")
        scheduler.at(soon, second, "wake")
        await asyncio.wait_for(ran.wait(), WAIT)
        await _ticks(scheduler)
    finally:
        await scheduler.shutdown()
    assert called == ["second"]


async def test_a_cancelled_job_does_not_run() -> None:
    called: list[str] = []

    async def wake() -> None:
        called.append("wake")

    scheduler = Scheduler()
    scheduler.start()
    try:
        scheduler.at(datetime.now(UTC) + timedelta(seconds=0.1), wake, "wake")
        assert scheduler.cancel("wake") is True
        assert scheduler.cancel("wake") is False
        await _ticks(scheduler)
    finally:
        await scheduler.shutdown()
    assert called == []


async def test_a_failing_job_is_logged_under_its_name_and_runs_again(caplog: pytest.LogCaptureFixture) -> None:
    runs = 0
    twice = asyncio.Event()

    async def broken() -> None:
        nonlocal runs
        runs += 1
        if runs >= 2:
            twice.set()
        raise RuntimeError("database is down")

    caplog.set_level(logging.ERROR, logger="herald.scheduler")
    scheduler = Scheduler()
    scheduler.every(0.05, broken, "broken")
    scheduler.start()
    try:
        await asyncio.wait_for(twice.wait(), WAIT)
    finally:
        await scheduler.shutdown()
    failures = [r for r in caplog.records if r.name == "herald.scheduler" and "broken" in r.getMessage()]
    assert failures and failures[0].exc_info is not None
    assert "database is down" in str(failures[0].exc_info[1])


async def test_shutdown_when_never_started_is_harmless() -> None:
    await Scheduler().shutdown()
