"""Making due digests: once per period across DST, restarts and replicas; what a digest lists."""

from __future__ import annotations

import asyncio
import random
from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

from delivery_support import FakeOutlet
from digest_support import add_article, add_digest_subscription, add_entry, digests, next_at, outbox, utc
from manual_clock import ManualClock
from sqlalchemy import update

from bot.delivery import DeliveryEngine, Rate, RateLimits
from bot.digests import MAX_LISTED, Digest, DigestSchedule
from bot.digests.store import load_digest, make_due_digests, next_due
from bot.request import Request
from bot.store.engine import create_engine, session_factory
from bot.store.models import ArticleRow, Subscription

BERLIN = ZoneInfo("Europe/Berlin")
DAILY_BERLIN = DigestSchedule("daily", 8, 0, None, "Europe/Berlin")
FAST = RateLimits(overall=Rate(1e6), per_channel=Rate(1e6, burst=10), classes=())


async def _titles(sessions, digest_id: int) -> list[str]:
    digest = await load_digest(sessions, digest_id)
    return [] if digest is None else [item.title for item in digest.items]


async def test_a_daily_berlin_digest_goes_out_once_a_day_across_the_march_change(sessions) -> None:
    start = utc(2026, 3, 27, 0, 0)
    sub = await add_digest_subscription(sessions, "chat", DAILY_BERLIN, now=start)
    arrivals = {
        utc(2026, 3, 27, 3): "a1",
        utc(2026, 3, 27, 9): "a2",
        utc(2026, 3, 28, 5): "a3",
        utc(2026, 3, 28, 7): "a4",  # the hour the 28th's digest is made: just after it
        utc(2026, 3, 29, 5): "a5",
        utc(2026, 3, 29, 6): "a6",  # 08:00 in Berlin after the change: just after the 29th's digest
    }  # nothing arrives between the 30th's digest and the 31st's
    moment = start
    while moment <= utc(2026, 3, 31, 23):
        await make_due_digests(sessions, now=moment, default_zone="UTC")
        if moment in arrivals:
            article = await add_article(sessions, arrivals[moment], at=moment)
            await add_entry(sessions, sub, article, at=moment)
        moment += timedelta(hours=1)
    made = await digests(sessions)
    assert [(d.period, d.due_at, d.articles) for d in made] == [
        ("2026-03-27", utc(2026, 3, 27, 7), 1),
        ("2026-03-28", utc(2026, 3, 28, 7), 2),
        ("2026-03-29", utc(2026, 3, 29, 6), 2),
        ("2026-03-30", utc(2026, 3, 30, 6), 1),
        ("2026-03-31", utc(2026, 3, 31, 6), 0),
    ]
    assert [await _titles(sessions, d.id) for d in made] == [["a1"], ["a3", "a2"], ["a5", "a4"], ["a6"], []]
    rows = await outbox(sessions)
    assert [(r.round, r.channel_id, r.subscription_id, r.status) for r in rows] == [
        (-d.id, "chat", sub, "pending") for d in made[:4]
    ]
    assert [r.due_at for r in rows] == [d.due_at for d in made[:4]]  # made the hour they were due
    assert await next_at(sessions, sub) == utc(2026, 4, 1, 6)


async def test_a_weekly_digest_comes_on_its_weekday_only(sessions) -> None:
    start = utc(2026, 11, 30, 0)  # a Monday
    schedule = DigestSchedule("weekly", 18, 0, 2, "Asia/Shanghai")  # Wednesdays, 10:00 UTC
    sub = await add_digest_subscription(sessions, "chat", schedule, now=start)
    moment = start
    while moment < start + timedelta(days=14):
        await make_due_digests(sessions, now=moment, default_zone="UTC")
        if moment.hour == 12:
            article = await add_article(sessions, f"day {moment.day}", at=moment)
            await add_entry(sessions, sub, article, at=moment)
        moment += timedelta(hours=1)
    made = await digests(sessions)
    assert [(d.period, d.due_at, d.articles) for d in made] == [
        ("2026-12-02", utc(2026, 12, 2, 10), 2),  # Monday's and Tuesday's
        ("2026-12-09", utc(2026, 12, 9, 10), 7),  # Wednesday's to Tuesday's
    ]
    assert all(d.due_at.astimezone(ZoneInfo("Asia/Shanghai")).weekday() == 2 for d in made)


async def test_making_it_again_after_a_restart_or_later_adds_nothing(sessions, db_url) -> None:
    start = utc(2026, 3, 27, 0)
    sub = await add_digest_subscription(sessions, "chat", DAILY_BERLIN, now=start)
    article = await add_article(sessions, "news", at=start)
    await add_entry(sessions, sub, article, at=start)
    due = utc(2026, 3, 27, 7)
    assert await make_due_digests(sessions, now=due, default_zone="UTC") == 1
    assert await make_due_digests(sessions, now=due, default_zone="UTC") == 0
    restarted = create_engine(db_url)  # a new process on the same database
    try:
        again = session_factory(restarted)
        assert await make_due_digests(again, now=due, default_zone="UTC") == 0
        assert await make_due_digests(again, now=due + timedelta(hours=5), default_zone="UTC") == 0
    finally:
        await restarted.dispose()
    assert len(await digests(sessions)) == 1 and len(await outbox(sessions)) == 1


async def test_two_replicas_at_once_make_one_digest(sessions, db_url) -> None:
    start = utc(2026, 3, 27, 0)
    subs = [await add_digest_subscription(sessions, f"chat{n}", DAILY_BERLIN, now=start) for n in range(5)]
    for sub in subs:
        article = await add_article(sessions, f"news {sub}", at=start)
        await add_entry(sessions, sub, article, at=start)
    engines = [create_engine(db_url) for _ in range(2)]
    try:
        due = utc(2026, 3, 27, 7)
        counts = await asyncio.gather(
            *(make_due_digests(session_factory(e), now=due, default_zone="UTC") for e in engines)
        )
    finally:
        for e in engines:
            await e.dispose()
    assert sum(counts) == 5
    made = await digests(sessions)
    assert sorted(d.subscription_id for d in made) == subs and all(d.articles == 1 for d in made)
    assert len(await outbox(sessions)) == 5


async def test_after_days_down_one_digest_covers_everything_waiting(sessions) -> None:
    start = utc(2026, 3, 26, 12)
    sub = await add_digest_subscription(sessions, "chat", DAILY_BERLIN, now=start)
    for day in (26, 27, 28, 29):
        article = await add_article(sessions, f"day {day}", at=utc(2026, 3, day, 12))
        await add_entry(sessions, sub, article, at=utc(2026, 3, day, 12))
    back = utc(2026, 3, 30, 9)  # down from the 26th: missed the 27th, 28th, 29th and 30th
    assert await make_due_digests(sessions, now=back, default_zone="UTC") == 1
    [made] = await digests(sessions)
    assert (made.period, made.due_at, made.articles) == ("2026-03-30", utc(2026, 3, 30, 6), 4)
    assert await next_at(sessions, sub) == utc(2026, 3, 31, 6)


async def test_a_digest_lists_what_is_still_published_newest_first_and_counts_the_rest(sessions) -> None:
    start = utc(2026, 3, 27, 0)
    sub = await add_digest_subscription(sessions, "chat", DAILY_BERLIN, now=start)
    ids = []
    for n in range(MAX_LISTED + 5):
        moment = start + timedelta(minutes=n)
        ids.append(await add_article(sessions, f"post {n:02d}", at=moment, categories=[f"cat{n}", "other"]))
        await add_entry(sessions, sub, ids[-1], at=moment)
    gone = await add_article(sessions, "removed later", at=start + timedelta(hours=1))
    await add_entry(sessions, sub, gone, at=start)
    held = await add_article(sessions, "never published", at=start + timedelta(hours=1), state="held")
    await add_entry(sessions, sub, held, at=start)
    async with sessions.begin() as session:
        await session.execute(update(ArticleRow).where(ArticleRow.id == gone).values(state="removed"))
    await make_due_digests(sessions, now=utc(2026, 3, 27, 7), default_zone="UTC")
    [made] = await digests(sessions)
    assert made.articles == MAX_LISTED + 5
    digest = await load_digest(sessions, made.id)
    assert digest is not None and digest.period == "2026-03-27" and digest.schedule == DAILY_BERLIN
    assert [item.title for item in digest.items] == [f"post {n:02d}" for n in range(MAX_LISTED + 4, 4, -1)]
    assert digest.more == 5
    first = digest.items[0]
    assert (first.category, first.url, first.date) == (f"cat{MAX_LISTED + 4}", "https://example.org/post",
                                                        start + timedelta(minutes=MAX_LISTED + 4))
    [row] = await outbox(sessions)
    assert row.article_id == ids[-1]  # the newest listed
    # An article removed after the digest was made is left out when it is sent.
    async with sessions.begin() as session:
        await session.execute(update(ArticleRow).where(ArticleRow.id == ids[-1]).values(state="removed"))
    digest = await load_digest(sessions, made.id)
    assert digest is not None and digest.items[0].title == f"post {MAX_LISTED + 3:02d}" and digest.more == 4


async def test_nothing_new_means_nothing_sent_and_inactive_chats_wait(sessions) -> None:
    start = utc(2026, 3, 27, 0)
    quiet = await add_digest_subscription(sessions, "quiet", DAILY_BERLIN, now=start)
    stopped = await add_digest_subscription(sessions, "stopped", DigestSchedule("daily", 6, 0), now=start)
    async with sessions.begin() as session:
        await session.execute(update(Subscription).where(Subscription.id == stopped).values(active=False))
    assert await next_due(sessions) == utc(2026, 3, 27, 7)
    assert await make_due_digests(sessions, now=utc(2026, 3, 27, 8), default_zone="UTC") == 0
    made = await digests(sessions)
    assert [(d.subscription_id, d.articles) for d in made] == [(quiet, 0)]
    assert await outbox(sessions) == []
    assert await load_digest(sessions, made[0].id) is None
    assert await load_digest(sessions, 12345) is None


class DigestOutlet(FakeOutlet):
    """The scripted fake platform, rendering digests as one text listing the titles."""

    def render_digest(self, digest: Digest, *, plain: bool, lang: str = "en", style: Any = None) -> list[Request]:
        text = " | ".join(item.title for item in digest.items)
        return [Request("sendMessage", {"text": text, "plain": plain})]


async def test_through_the_delivery_engine_a_digest_is_sent_once(sessions, db_url) -> None:
    start = utc(2026, 3, 27, 0)
    sub = await add_digest_subscription(sessions, "chat", DAILY_BERLIN, now=start)
    for n in range(3):
        article = await add_article(sessions, f"news {n}", at=start + timedelta(hours=n))
        await add_entry(sessions, sub, article, at=start)
    due = utc(2026, 3, 27, 7)
    clock = ManualClock(due)
    outlet = DigestOutlet(clock)

    def engine(sessions_):
        return DeliveryEngine(sessions_, {outlet.name: outlet}, clock=clock, limits={outlet.name: FAST},
                              worker_id="w1", rng=random.Random(7))

    await make_due_digests(sessions, now=due, default_zone="UTC")
    await engine(sessions).drain()
    restarted = create_engine(db_url)  # the process restarts: makes digests and delivers again
    try:
        again = session_factory(restarted)
        await make_due_digests(again, now=due, default_zone="UTC")
        clock.advance(minutes=5)
        await make_due_digests(again, now=clock.now(), default_zone="UTC")
        await engine(again).drain()
    finally:
        await restarted.dispose()
    assert [(s.channel_id, s.text) for s in outlet.sent] == [("chat", "news 2 | news 1 | news 0")]
    [row] = await outbox(sessions)
    assert row.status == "sent"


async def test_many_due_subscriptions_are_all_made_batch_by_batch(sessions, monkeypatch) -> None:
    import bot.digests.store as store

    monkeypatch.setattr(store, "BATCH", 2)
    start = utc(2026, 3, 27, 0)
    subs = [await add_digest_subscription(sessions, f"chat{n}", DAILY_BERLIN, now=start) for n in range(5)]
    article = await add_article(sessions, "for everyone", at=start)
    for sub in subs:
        await add_entry(sessions, sub, article, at=start)
    assert await make_due_digests(sessions, now=utc(2026, 3, 27, 7), default_zone="UTC") == 5
    assert sorted(d.subscription_id for d in await digests(sessions)) == subs
    assert {await next_at(sessions, sub) for sub in subs} == {utc(2026, 3, 28, 7)}
