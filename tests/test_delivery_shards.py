"""Replicas split the targets: each chat's rows go to one replica (its shard's owner), every row
is sent once, and each replica takes its part of the overall rate (SQLite, and PostgreSQL when
HERALD_TEST_POSTGRES_URL is set)."""

from __future__ import annotations

import asyncio
import random
from collections import Counter

import pytest
from delivery_support import T0, FakeOutlet, add_article, add_subscription, deliveries
from manual_clock import ManualClock

from bot.clock import SystemClock
from bot.delivery import DeliveryEngine, Rate, RateLimiter, RateLimits, fan_out
from bot.delivery.shards import SHARDS, WHOLE, Partition, shard_of
from bot.targets import Target

FAST = RateLimits(overall=Rate(1e6), per_channel=Rate(1e6, burst=10), classes=())


def _replica(sessions, outlet: FakeOutlet, partition: Partition, name: str) -> DeliveryEngine:
    engine = DeliveryEngine(
        sessions, {outlet.name: outlet}, clock=SystemClock(), limits={outlet.name: FAST},
        worker_id=name, rng=random.Random(7),
    )  # fmt: skip
    engine.share(partition)
    return engine


async def test_three_replicas_send_every_row_once_and_each_chat_from_one_of_them(sessions) -> None:
    chats = [str(1000 + n) for n in range(120)]
    for chat in chats:
        await add_subscription(sessions, chat)
    for title in ("one", "two", "three"):
        await fan_out(sessions, await add_article(sessions, title=title), now=T0)
    await fan_out(sessions, await add_article(sessions, title="four"), now=T0, only=Target("fake", "@news"))
    outlets = [FakeOutlet(SystemClock()) for _ in range(3)]
    replicas = [_replica(sessions, outlets[i], Partition(i, 3), f"r{i}") for i in range(3)]

    await asyncio.gather(*(replica.drain() for replica in replicas))

    rows = await deliveries(sessions)
    assert len(rows) == 3 * 120 + 1 and {row.status for row in rows} == {"sent"}
    sent = Counter((s.channel_id, s.text) for outlet in outlets for s in outlet.sent)
    assert len(sent) == 361 and set(sent.values()) == {1}  # every row once
    senders = {chat: {i for i, outlet in enumerate(outlets) if outlet.to(chat)} for chat in [*chats, "@news"]}
    assert all(len(who) == 1 for who in senders.values())  # each chat from one replica only
    shares = Counter(next(iter(who)) for who in senders.values())
    assert min(shares.values()) >= 25  # split between all three
    assert next(iter(senders["@news"])) == shard_of("fake", "@news") % 3


async def test_a_subscriber_keeps_its_shard_whether_it_is_fanned_out_to_or_named(sessions) -> None:
    await add_subscription(sessions, "777")
    await fan_out(sessions, await add_article(sessions, title="all"), now=T0)
    await fan_out(sessions, await add_article(sessions, title="one"), now=T0, only=Target("fake", "777"))

    assert {row.shard for row in await deliveries(sessions)} == {shard_of("fake", "777")}


async def test_every_topic_of_a_group_is_paced_by_the_replica_that_paces_the_group(sessions) -> None:
    group = "-1001234"
    targets = [group, *(f"{group}:{topic}" for topic in range(2, 40))]
    for target in targets:
        await add_subscription(sessions, target)
    for n in range(60):  # and other chats, so the split is not trivially one replica
        await add_subscription(sessions, str(5000 + n))
    await fan_out(sessions, await add_article(sessions, title="news"), now=T0)
    outlets = [FakeOutlet(SystemClock()) for _ in range(3)]
    replicas = [_replica(sessions, outlets[i], Partition(i, 3), f"r{i}") for i in range(3)]

    await asyncio.gather(*(replica.drain() for replica in replicas))

    senders = {i for i, outlet in enumerate(outlets) for s in outlet.sent if s.channel_id in targets}
    assert len(senders) == 1  # one replica holds the group's 20 a minute for all its topics
    assert len({i for i, outlet in enumerate(outlets) if outlet.sent}) == 3
    assert {shard_of("fake", t) for t in targets} == {shard_of("fake", group)} and SHARDS == 1024


async def test_a_replica_leaves_the_others_rows_alone(sessions) -> None:
    for n in range(40):
        await add_subscription(sessions, str(2000 + n))
    await fan_out(sessions, await add_article(sessions), now=T0)
    outlet = FakeOutlet(SystemClock())

    await _replica(sessions, outlet, Partition(1, 2), "r1").drain()

    rows = await deliveries(sessions)
    assert {row.status for row in rows if row.shard % 2 == 1} == {"sent"}
    assert {row.status for row in rows if row.shard % 2 == 0} == {"pending"}
    assert len(outlet.sent) == sum(1 for row in rows if row.shard % 2 == 1)


async def test_a_replica_takes_its_part_of_the_overall_rate() -> None:
    clock = ManualClock(T0)
    limiter = RateLimiter(RateLimits(overall=Rate(30, 1.0, burst=3), per_channel=Rate(1e6), classes=()), clock)
    limiter.share(1 / 3)
    start = clock.now()

    await asyncio.gather(*(limiter.acquire(f"chat{n}", "private") for n in range(21)))

    # 10 a second, one at once (a third of the burst of 3): the 21st leaves after 2 s
    assert (clock.now() - start).total_seconds() == pytest.approx(2.0, abs=1e-6)


def test_partitions_are_checked() -> None:
    assert WHOLE.owns(5) and Partition(1, 2).owns(5) and not Partition(0, 2).owns(5)
    with pytest.raises(ValueError):
        Partition(2, 2)


async def test_a_replica_cut_off_from_the_others_sends_nothing_more_and_loses_nothing(sessions) -> None:
    for n in range(20):
        await add_subscription(sessions, str(3000 + n))
    await fan_out(sessions, await add_article(sessions), now=T0)
    outlet = FakeOutlet(SystemClock(), pause=0.05)
    engine = DeliveryEngine(
        sessions, {outlet.name: outlet}, clock=SystemClock(), limits={outlet.name: FAST}, worker_id="r0",
        concurrency=2, lease_seconds=1.0, rng=random.Random(7),
    )  # fmt: skip
    stop = asyncio.Event()
    running = asyncio.create_task(engine.run(stop))
    try:
        while len(outlet.tried) < 3:
            await asyncio.sleep(0.01)
        engine.suspend()  # its heartbeat failed: the others will take what it holds
        at_suspend = len(outlet.tried)
        await asyncio.sleep(0.5)
        assert len(outlet.tried) <= at_suspend + 2  # only the sends under way finished

        engine.resume()  # renewed again: what nobody took is sent once its lease has run out
        while len(outlet.sent) < 20:
            await asyncio.sleep(0.05)
    finally:
        stop.set()
        await running
    assert sorted(s.channel_id for s in outlet.sent) == sorted(str(3000 + n) for n in range(20))
    assert {row.status for row in await deliveries(sessions)} == {"sent"}
