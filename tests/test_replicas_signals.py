"""Replicas tell each other about the outbox: rows added by one wake the others at once, and a
platform-wide 429 seen by one holds the others' sends too (PostgreSQL LISTEN/NOTIFY; the limiter
side on a hand-driven clock)."""

from __future__ import annotations

import asyncio

import pytest
from delivery_support import T0, add_article, add_subscription
from manual_clock import ManualClock

from bot.delivery import Rate, RateLimiter, RateLimits, fan_out
from bot.delivery.signals import OutboxSignals, notify_throttled

LIMITS = RateLimits(overall=Rate(100, 1.0, burst=1), per_channel=Rate(1e6), classes=())


async def test_a_platform_wide_throttle_is_told_and_held_by_the_others() -> None:
    clock = ManualClock(T0)
    seen_here, elsewhere = RateLimiter(LIMITS, clock), RateLimiter(LIMITS, clock)
    told: list[float] = []
    seen_here.on_global = told.append

    assert not seen_here.throttled("a", 2.0)  # one chat told to wait: not the whole bot
    assert told == []
    seen_here.throttled("b", 3.0)
    assert seen_here.throttled("c", 2.5)  # three chats within 2 s: the whole bot
    assert told == [3.0]

    elsewhere.told_elsewhere(told[0])
    start = clock.now()
    await elsewhere.acquire("z", "private")
    assert (clock.now() - start).total_seconds() >= 3.0  # the other replica held its sends too
    assert elsewhere.speed() < 1.0  # ... and slows down as if the 429 had been its own


async def test_replicas_hear_of_added_rows_and_of_throttles_but_not_their_own(sessions, db_url: str) -> None:
    if not db_url.startswith("postgresql"):
        pytest.skip("LISTEN/NOTIFY is PostgreSQL's (one SQLite process needs no news)")
    woken = {"a": asyncio.Event(), "b": asyncio.Event()}
    throttles: dict[str, list[tuple[str, float]]] = {"a": [], "b": []}
    stop = asyncio.Event()
    listeners = {
        name: OutboxSignals(
            db_url, me=name, added=woken[name].set, throttled=lambda p, s, name=name: throttles[name].append((p, s))
        )
        for name in ("a", "b")
    }
    tasks = [asyncio.create_task(signals.run(stop)) for signals in listeners.values()]
    try:
        await asyncio.wait_for(asyncio.gather(*(s.connected.wait() for s in listeners.values())), 10)
        for event in woken.values():
            event.clear()  # each wakes once on connecting (rows added while nobody listened)

        await add_subscription(sessions, "42")
        await fan_out(sessions, await add_article(sessions), now=T0)
        await asyncio.wait_for(asyncio.gather(*(event.wait() for event in woken.values())), 10)

        async with sessions.begin() as session:
            await notify_throttled(session, sender="a", platform="telegram", seconds=3.0)
        await asyncio.wait_for(_until(lambda: throttles["b"]), 10)
        await asyncio.sleep(0.2)
        assert throttles == {"a": [], "b": [("telegram", 3.0)]}
    finally:
        stop.set()
        await asyncio.gather(*tasks)


async def _until(check) -> None:
    while not check():
        await asyncio.sleep(0.02)
