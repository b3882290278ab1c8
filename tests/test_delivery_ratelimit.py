"""The rate limiter on a hand-driven clock: per-channel rates, pauses, and replies first."""

from __future__ import annotations

import asyncio

import pytest
from delivery_support import T0
from manual_clock import ManualClock

from bot.delivery import Rate, RateLimiter, RateLimits
from bot.delivery.allowance import CommandAllowance


def _limits(**changes) -> RateLimits:
    base = RateLimits(overall=Rate(1e9, 1.0), per_channel=Rate(1, 1.0, burst=3))
    return RateLimits(**{**{f: getattr(base, f) for f in ("overall", "per_channel", "classes")}, **changes})


async def _elapsed(clock: ManualClock, awaitable) -> float:
    before = clock.now()
    await awaitable
    return (clock.now() - before).total_seconds()


async def test_private_channel_allows_a_short_burst_then_one_per_second() -> None:
    clock = ManualClock(T0)
    limiter = RateLimiter(_limits(), clock)

    waits = [await _elapsed(clock, limiter.acquire("42", "private")) for _ in range(5)]

    # one a second with a 5% margin: the 4th of four posts dropped at once never leaves at 0.997 s
    assert waits == pytest.approx([0.0, 0.0, 0.0, 1.05, 1.05], abs=1e-6)


async def test_groups_get_twenty_messages_a_minute() -> None:
    clock = ManualClock(T0)
    limiter = RateLimiter(_limits(), clock)
    start = clock.now()

    for _ in range(23):
        await limiter.acquire("-100", "group")

    # a burst of 3, then one every 3 s (+5% margin): the 23rd message goes out after 63 s
    assert abs((clock.now() - start).total_seconds() - 63.0) < 1e-5


async def test_pause_holds_only_that_channel_for_exactly_retry_after() -> None:
    clock = ManualClock(T0)
    limiter = RateLimiter(_limits(), clock)
    await limiter.acquire("slow", "private")

    limiter.pause("slow", 7.5)

    assert limiter.delay("slow", "private") == 7.5
    assert limiter.delay("other", "private") == 0.0
    assert await _elapsed(clock, limiter.acquire("other", "private")) == 0.0
    assert await _elapsed(clock, limiter.acquire("slow", "private")) == 7.5


async def test_overall_rate_spaces_messages_across_channels() -> None:
    clock = ManualClock(T0)
    limiter = RateLimiter(_limits(overall=Rate(10, 1.0)), clock)
    start = clock.now()

    await asyncio.gather(*(limiter.acquire(f"chat{n}", "private") for n in range(21)))

    assert abs((clock.now() - start).total_seconds() - 2.0) < 1e-6


async def test_reply_takes_the_next_slot_ahead_of_a_thousand_waiting_broadcasts() -> None:
    clock = ManualClock(T0)
    limiter = RateLimiter(_limits(overall=Rate(30, 1.0)), clock)
    order: list[str] = []

    async def send(channel: str, priority: str) -> None:
        await limiter.acquire(channel, "private", priority)  # type: ignore[arg-type]
        order.append(channel)

    broadcast = [asyncio.create_task(send(f"chat{n}", "broadcast")) for n in range(1000)]
    while len(order) < 10:
        await asyncio.sleep(0)
    granted_before_reply = len(order)
    await send("admin", "reply")
    await asyncio.gather(*broadcast)

    assert order.index("admin") <= granted_before_reply + 1
    assert len(order) == 1001


def test_limits_scale_for_tests_and_benchmarks() -> None:
    scaled = RateLimits(overall=Rate(30)).scaled(10)
    assert scaled.overall.count == 300
    assert scaled.for_class("private").count == 10
    assert abs(scaled.for_class("group").interval - 0.3) < 1e-9


async def test_429s_from_three_chats_at_once_pause_every_chat_and_slow_down() -> None:
    clock = ManualClock(T0)
    limits = RateLimits(overall=Rate(10, 1.0), per_channel=Rate(100, 1.0, burst=3))
    limiter = RateLimiter(limits, clock)

    assert limiter.throttled("a", 2.0) is False  # one chat told to wait: it waits it all ...
    assert limiter.throttled("b", 1.0) is False
    # ... the others only a moment (Throttling.hold), in case the whole bot is over the limit
    assert await _elapsed(clock, limiter.acquire("z", "private")) == pytest.approx(1.0, abs=1e-6)
    assert limiter.delay("a", "private") == pytest.approx(1.0, abs=1e-6)
    assert limiter.throttled("c", 1.0) is True  # a third chat: the whole bot is throttled

    # nobody sends until the longest retry_after has passed ...
    assert await _elapsed(clock, limiter.acquire("y", "private")) == pytest.approx(2.0, abs=1e-6)
    # ... then at half the overall rate, coming back to full speed gradually
    assert limiter.speed() == pytest.approx(0.5 + 2.0 / 30.0, abs=1e-3)
    clock.advance(30.0)
    assert limiter.speed() == 1.0


async def test_a_global_retry_after_pauses_every_chat_at_once() -> None:
    clock = ManualClock(T0)
    limiter = RateLimiter(_limits(), clock)

    assert limiter.throttled("a", 3.0, everywhere=True) is True

    assert await _elapsed(clock, limiter.acquire("other", "private")) == pytest.approx(3.0, abs=1e-6)


def test_commands_are_allowed_per_reader_in_bursts_then_at_the_steady_rate() -> None:
    clock = [0.0]
    commands = CommandAllowance(group=Rate(1, 2.0, burst=3), now=lambda: clock[0])
    assert [commands.allow(-1, 8, group=True) for _ in range(5)] == [True, True, True, False, False]
    assert commands.allow(-1, 9, group=True) and commands.allow(-2, 8, group=True)  # others unaffected
    clock[0] += 2.0
    assert commands.allow(-1, 8, group=True) and not commands.allow(-1, 8, group=True)
    assert [commands.allow(8, 8, group=False) for _ in range(9)] == [True] * 8 + [False]  # private: 8 at once
    clock[0] += 1.0
    assert commands.allow(8, 8, group=False)


def test_forgetting_readers_never_refills_a_private_reader_with_the_group_allowance() -> None:
    """Private and group allowances differ; making room must judge each reader by its own."""
    clock = [0.0]
    commands = CommandAllowance(private=Rate(1, 3600.0, burst=8), group=Rate(1, 5.0, burst=4),
                                capacity=4, now=lambda: clock[0])
    assert all(commands.allow(1, 1, group=False) for _ in range(4))  # half of the private burst spent
    for other in range(2, 12):  # enough other readers to make it forget some
        assert commands.allow(other, other, group=True)
        clock[0] += 10.0  # each of them is whole again 5 s later
    assert [commands.allow(1, 1, group=False) for _ in range(5)] == [True] * 4 + [False]


def test_the_command_allowance_remembers_a_bounded_number_of_readers() -> None:
    commands = CommandAllowance(capacity=100, now=lambda: 0.0)
    for reader in range(1000):
        commands.allow(-1, reader, group=True)
    assert len(commands._cells) <= 100
