"""The scheduler: periodic jobs repeat, one-shot jobs run once, names replace, failures are contained."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

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
    assert not scheduler.running


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
        assert scheduler.next_run("publish-due") is None
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


async def test_scheduling_a_name_again_replaces_the_job() -> None:
    scheduler = Scheduler()
    called: list[str] = []

    async def first() -> None:
        called.append("first")

    async def second() -> None:
        called.append("second")

    far = datetime.now(UTC) + timedelta(days=1)
    scheduler.at(far, first, "wake")
    scheduler.at(far + timedelta(hours=1), second, "wake")
    assert scheduler.next_run("wake") == far + timedelta(hours=1)
    assert scheduler.cancel("wake") is True
    assert scheduler.cancel("wake") is False
    assert scheduler.next_run("wake") is None


async def test_a_failing_job_keeps_its_schedule() -> None:
    runs = 0
    twice = asyncio.Event()

    async def broken() -> None:
        nonlocal runs
        runs += 1
        if runs >= 2:
            twice.set()
        raise RuntimeError("database is down")

    scheduler = Scheduler()
    scheduler.every(0.05, broken, "broken")
    scheduler.start()
    try:
        await asyncio.wait_for(twice.wait(), WAIT)
    finally:
        await scheduler.shutdown()


async def test_shutdown_when_never_started_is_harmless() -> None:
    await Scheduler().shutdown()
