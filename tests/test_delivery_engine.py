"""The delivery workers: every outcome a platform can answer, priorities, and several workers
sharing one database."""

from __future__ import annotations

import asyncio
import logging
import random
from datetime import timedelta
from typing import Any

import pytest
from delivery_support import T0, FakeOutlet, add_article, add_subscription, deliveries, subscription
from manual_clock import ManualClock
from sqlalchemy import delete, update

from adapters.telegram.render import render_summary
from bot.clock import SystemClock
from bot.delivery import (
    BadFormat,
    DeliveryEngine,
    Gone,
    Migrated,
    Rate,
    RateLimited,
    RateLimits,
    Transient,
    delivery_counts,
    fan_out,
)
from bot.request import Request
from bot.store.engine import create_engine, session_factory
from bot.store.models import ArticleRow, Subscription

FAST = RateLimits(overall=Rate(1e6), per_channel=Rate(1e6, burst=10), classes=())


def _engine(sessions, outlet: FakeOutlet, clock, *, limits: RateLimits = FAST, worker: str = "w1", **options):
    return DeliveryEngine(
        sessions, {outlet.name: outlet}, clock=clock, limits={outlet.name: limits},
        worker_id=worker, rng=random.Random(7), **options,
    )  # fmt: skip


async def _broadcast(sessions, channels: list[str], **article) -> int:
    article_id = await add_article(sessions, **article)
    for channel in channels:
        await add_subscription(sessions, channel)
    await fan_out(sessions, article_id, now=T0)
    return article_id


def _by_channel(rows):
    return {r.channel_id: r for r in rows}


async def test_every_subscriber_gets_the_article_once(sessions, caplog) -> None:
    clock = ManualClock(T0)
    outlet = FakeOutlet(clock)
    article = await _broadcast(sessions, ["1", "2", "-3", "@four"], title="Hello")
    engine = _engine(sessions, outlet, clock)

    with caplog.at_level(logging.INFO, logger="herald.delivery"):
        await engine.drain()
        await engine.drain()

    assert sorted(s.channel_id for s in outlet.sent) == ["-3", "1", "2", "@four"]
    assert all(s.text == "<b>Hello</b>" for s in outlet.sent)
    rows = await deliveries(sessions)
    assert {r.status for r in rows} == {"sent"}
    assert all(r.message_id and T0 <= r.sent_at < T0 + timedelta(seconds=1) for r in rows)
    assert f"article={article} target=fake:-3 outcome=sent" in caplog.text
    assert await delivery_counts(sessions, T0) == {"sent": 4, "failed": 0, "pending": 0}


async def test_retry_after_pauses_that_chat_exactly_while_others_proceed(sessions) -> None:
    clock = ManualClock(T0)
    outlet = FakeOutlet(clock, script={"busy": [RateLimited(30)]})
    await _broadcast(sessions, ["busy", "a", "b", "c"])
    engine = _engine(sessions, outlet, clock)

    await engine.drain()

    (limited_at,) = [at for channel, at in outlet.tried if channel == "busy"]
    rows = _by_channel(await deliveries(sessions))
    assert [s.channel_id for s in outlet.sent if s.channel_id != "busy"] and not outlet.to("busy")
    assert {rows[c].status for c in "abc"} == {"sent"}
    assert rows["busy"].status == "pending"
    assert rows["busy"].due_at == limited_at + timedelta(seconds=30)
    assert rows["busy"].attempts == 0  # waiting is not a failure
    assert engine.limiter("fake").delay("busy", "private") == pytest.approx(
        30 - (clock.now() - limited_at).total_seconds(), abs=1e-5
    )

    clock.advance(29.9 - (clock.now() - limited_at).total_seconds())
    await engine.drain()
    assert not outlet.to("busy")

    clock.advance(0.1)
    await engine.drain()
    assert len(outlet.to("busy")) == 1
    assert outlet.to("busy")[0].at == limited_at + timedelta(seconds=30)


async def test_transient_errors_back_off_exponentially_then_succeed(sessions) -> None:
    clock = ManualClock(T0)
    outlet = FakeOutlet(clock, script={"flaky": [Transient("timed out"), Transient("502 bad gateway")]})
    await _broadcast(sessions, ["flaky"])
    engine = _engine(sessions, outlet, clock, base_backoff=2.0)

    await engine.drain()
    (row,) = await deliveries(sessions)
    assert (row.status, row.attempts, row.error) == ("pending", 1, "timed out")
    assert timedelta(seconds=1.6) <= row.due_at - clock.now() <= timedelta(seconds=2.4)

    clock.advance(2.4)
    await engine.drain()
    (row,) = await deliveries(sessions)
    assert (row.status, row.attempts) == ("pending", 2)
    assert timedelta(seconds=3.2) <= row.due_at - clock.now() <= timedelta(seconds=4.8)

    clock.advance(4.8)
    await engine.drain()
    (row,) = await deliveries(sessions)
    assert row.status == "sent" and len(outlet.to("flaky")) == 1


async def test_transient_errors_give_up_after_max_attempts(sessions) -> None:
    clock = ManualClock(T0)
    outlet = FakeOutlet(clock, script={"down": [Transient("connection refused")] * 10})
    await _broadcast(sessions, ["down"])
    engine = _engine(sessions, outlet, clock, max_attempts=3)

    for _ in range(5):
        await engine.drain()
        clock.advance(60)

    (row,) = await deliveries(sessions)
    assert (row.status, row.attempts, row.error) == ("failed", 3, "connection refused")
    assert len(outlet.tried) == 3


async def test_gone_stops_the_target_and_fails_everything_queued_for_it(sessions, caplog) -> None:
    clock = ManualClock(T0)
    outlet = FakeOutlet(clock, script={"blocker": [Gone("forbidden: bot was blocked by the user")]})
    first = await _broadcast(sessions, ["blocker", "fan"], title="one")
    second = await add_article(sessions, title="two")
    await fan_out(sessions, second, now=T0)

    with caplog.at_level(logging.INFO, logger="herald.delivery"):
        await _engine(sessions, outlet, clock).drain()

    assert len([c for c, _ in outlet.tried if c == "blocker"]) == 1
    assert len(outlet.to("fan")) == 2
    blocked = [r for r in await deliveries(sessions) if r.channel_id == "blocker"]
    assert [r.status for r in blocked] == ["failed", "failed"]
    assert all(r.error == "forbidden: bot was blocked by the user" for r in blocked)
    sub = await subscription(sessions, "blocker")
    assert sub is not None and not sub.active and "blocked" in (sub.reason or "")
    assert f"article={first} target=fake:blocker outcome=gone" in caplog.text or (
        f"article={second} target=fake:blocker outcome=gone" in caplog.text
    )
    third = await add_article(sessions, title="three")
    assert await fan_out(sessions, third, now=T0) == 1  # only "fan"


async def test_migrated_chat_is_moved_and_gets_the_article_there(sessions) -> None:
    clock = ManualClock(T0)
    outlet = FakeOutlet(clock, script={"-1": [Migrated("-1009")]})
    await _broadcast(sessions, ["-1"], title="moved")

    await _engine(sessions, outlet, clock).drain()

    assert [s.channel_id for s in outlet.sent] == ["-1009"]
    (row,) = await deliveries(sessions)
    assert (row.channel_id, row.status) == ("-1009", "sent")
    assert await subscription(sessions, "-1") is None
    moved = await subscription(sessions, "-1009")
    assert moved is not None and moved.active and row.subscription_id == moved.id


async def test_migration_onto_an_existing_subscription_merges_and_sends_once(sessions) -> None:
    clock = ManualClock(T0)
    outlet = FakeOutlet(clock, script={"-1": [Migrated("-1009")]})
    article = await add_article(sessions, categories=["a", "b"])
    await add_subscription(sessions, "-1", categories=["a"])
    await add_subscription(sessions, "-1009", categories=["b"])
    await fan_out(sessions, article, now=T0)

    await _engine(sessions, outlet, clock).drain()

    assert [s.channel_id for s in outlet.sent] == ["-1009"]
    assert await subscription(sessions, "-1") is None
    only_a = await add_article(sessions, title="only a", categories=["a"])
    assert await fan_out(sessions, only_a, now=T0) == 1  # the merged filter kept "a"


async def test_bad_format_is_resent_once_as_plain_text(sessions) -> None:
    clock = ManualClock(T0)
    outlet = FakeOutlet(
        clock,
        script={
            "picky": [BadFormat("can't parse entities")],
            "hopeless": [BadFormat("can't parse entities"), BadFormat("message is too long")],
        },
    )
    await _broadcast(sessions, ["picky", "hopeless"], title="x<y")

    await _engine(sessions, outlet, clock).drain()

    assert [(s.text, s.plain) for s in outlet.to("picky")] == [("x<y", True)]
    rows = _by_channel(await deliveries(sessions))
    assert (rows["picky"].status, rows["picky"].plain) == ("sent", True)
    assert (rows["hopeless"].status, rows["hopeless"].error) == ("failed", "message is too long")
    assert not outlet.to("hopeless")


async def test_unexpected_errors_are_retried_without_leaking_their_text(sessions) -> None:
    clock = ManualClock(T0)
    outlet = FakeOutlet(clock, script={"x": [ValueError("https://api/bot123:SECRET/sendMessage")]})
    await _broadcast(sessions, ["x"])

    await _engine(sessions, outlet, clock).drain()

    (row,) = await deliveries(sessions)
    assert row.status == "pending" and row.attempts == 1
    assert "SECRET" not in (row.error or "") and "ValueError" in (row.error or "")


async def test_removed_article_is_not_sent(sessions) -> None:
    clock = ManualClock(T0)
    outlet = FakeOutlet(clock)
    article = await _broadcast(sessions, ["1"])
    async with sessions.begin() as session:
        (await session.get(ArticleRow, article)).state = "removed"

    await _engine(sessions, outlet, clock).drain()

    (row,) = await deliveries(sessions)
    assert row.status == "failed" and "removed" in (row.error or "")
    assert not outlet.sent


async def test_reply_goes_ahead_of_a_queued_broadcast_of_a_thousand(sessions) -> None:
    clock = ManualClock(T0)
    outlet = FakeOutlet(clock)
    await _broadcast(sessions, [f"chat{n}" for n in range(1000)])
    limits = RateLimits(overall=Rate(30), per_channel=Rate(1, burst=3), classes=())
    engine = _engine(sessions, outlet, clock, limits=limits)

    drain = asyncio.create_task(engine.drain())
    while len(outlet.sent) < 5:
        await asyncio.sleep(0)
    sent_before = len(outlet.sent)
    message_id = await engine.send_reply("fake", "admin", [Request("sendMessage", {"text": "pong", "plain": True})])
    position = [s.channel_id for s in outlet.sent].index("admin")
    await drain

    assert message_id and position <= sent_before + 1
    assert len(outlet.sent) == 1001
    assert await delivery_counts(sessions, T0) == {"sent": 1000, "failed": 0, "pending": 0}


async def test_run_sends_new_rows_when_woken_and_stops_cleanly(sessions) -> None:
    clock = SystemClock()
    outlet = FakeOutlet(clock)
    engine = _engine(sessions, outlet, clock, poll_seconds=30)
    stop = asyncio.Event()
    runner = asyncio.create_task(engine.run(stop))
    await asyncio.sleep(0.05)

    await _broadcast(sessions, ["1", "2"])
    engine.wake()
    for _ in range(200):
        if len(outlet.sent) == 2:
            break
        await asyncio.sleep(0.01)
    stop.set()
    await asyncio.wait_for(runner, 5)

    assert sorted(s.channel_id for s in outlet.sent) == ["1", "2"]
    assert {r.status for r in await deliveries(sessions)} == {"sent"}


async def test_two_workers_on_one_database_never_send_twice(sessions, db_url) -> None:
    clock = SystemClock()
    outlet = FakeOutlet(clock, pause=0.001)
    await _broadcast(sessions, [f"chat{n}" for n in range(500)])
    other_engine = create_engine(db_url)
    try:
        first = _engine(sessions, outlet, clock, worker="one")
        second = _engine(session_factory(other_engine), outlet, clock, worker="two")
        await asyncio.gather(first.drain(), second.drain())
    finally:
        await other_engine.dispose()

    channels = [s.channel_id for s in outlet.sent]
    assert len(channels) == len(set(channels)) == 500
    rows = await deliveries(sessions)
    assert {r.status for r in rows} == {"sent"}
    assert {r.worker for r in rows} == {"one", "two"}


async def test_deleting_an_article_removes_its_queue(sessions) -> None:
    clock = ManualClock(T0)
    outlet = FakeOutlet(clock)
    article = await _broadcast(sessions, ["1", "2"])
    async with sessions.begin() as session:
        await session.execute(delete(ArticleRow).where(ArticleRow.id == article))

    await _engine(sessions, outlet, clock).drain()

    assert not outlet.sent and not await deliveries(sessions)



async def test_each_subscriber_gets_the_card_in_the_language_it_subscribed_in(sessions) -> None:
    """A chat that subscribed in Chinese gets "阅读全文" on its card; the others "Read more"."""

    class Rendering(FakeOutlet):
        def render(self, summary, *, plain: bool, lang: str = "en", style: Any = None) -> list[Request]:
            markup = render_summary(summary, lang=lang)[-1].params["reply_markup"]
            return [Request("sendMessage", {"text": markup["inline_keyboard"][0][0]["text"], "plain": plain})]

    clock = ManualClock(T0)
    outlet = Rendering(clock)
    article_id = await add_article(sessions, title="你好")
    async with sessions.begin() as session:
        row = await session.get(ArticleRow, article_id)
        row.summary = {**row.summary, "url": "https://example.org/p/"}
    for channel, lang in (("1", "zh-CN"), ("2", "en-US"), ("@news", None)):
        sub_id = await add_subscription(sessions, channel)
        async with sessions.begin() as session:
            await session.execute(update(Subscription).where(Subscription.id == sub_id).values(lang=lang))
    await fan_out(sessions, article_id, now=T0)
    await _engine(sessions, outlet, clock).drain()

    assert {s.channel_id: s.text for s in outlet.sent} == {"1": "阅读全文", "2": "Read more", "@news": "Read more"}


def _pong() -> list[Request]:
    return [Request("sendMessage", {"text": "pong", "plain": True})]


async def test_a_reply_waits_out_a_short_rate_limit_and_follows_a_moved_chat(sessions) -> None:
    """The group was upgraded while the answer was on its way: it arrives in the new chat, once,
    and the group's subscription moves with it."""
    clock = ManualClock(T0)
    outlet = FakeOutlet(clock, script={"-1": [RateLimited(3), Migrated("-1009")]})
    await add_subscription(sessions, "-1")
    engine = _engine(sessions, outlet, clock)

    message_id = await engine.send_reply("fake", "-1", _pong())

    assert message_id and [(s.channel_id, s.text) for s in outlet.sent] == [("-1009", "pong")]
    assert [at - T0 for channel, at in outlet.tried] == [timedelta(0), timedelta(seconds=3), timedelta(seconds=3)]
    assert await subscription(sessions, "-1") is None and await subscription(sessions, "-1009") is not None


async def test_a_reply_that_is_never_let_through_is_reported_not_sent(sessions) -> None:
    clock = ManualClock(T0)
    outlet = FakeOutlet(clock, script={"7": [RateLimited(1)] * 10, "8": [RateLimited(60)]})
    engine = _engine(sessions, outlet, clock)

    with pytest.raises(Transient, match="not sent after 5 tries"):
        await engine.send_reply("fake", "7", _pong())
    with pytest.raises(RateLimited):  # too long for someone waiting for an answer
        await engine.send_reply("fake", "8", _pong())

    assert not outlet.sent and [channel for channel, _ in outlet.tried] == ["7"] * 5 + ["8"]


async def test_a_reply_to_a_chat_that_blocked_the_bot_stops_its_subscription(sessions) -> None:
    clock = ManualClock(T0)
    outlet = FakeOutlet(clock, script={"5": [Gone("bot was blocked by the user")]})
    await add_subscription(sessions, "5")
    engine = _engine(sessions, outlet, clock)

    with pytest.raises(Gone):
        await engine.send_reply("fake", "5", _pong())

    assert not outlet.sent and not (await subscription(sessions, "5")).active
