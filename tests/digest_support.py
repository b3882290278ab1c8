"""Helpers for the digest tests: articles, digest subscriptions and waiting entries written straight
with SQLAlchemy (what fan-out adds for a digest subscription), and the digests made."""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from datetime import UTC, datetime

from sqlalchemy import select

from bot.digests import DigestSchedule
from bot.digests.times import next_digest_at
from bot.store.models import ArticleRow, Delivery, DigestEntry, DigestRow, Subscription

_KEYS = itertools.count(1)


async def add_article(
    sessions,
    title: str,
    *,
    at: datetime,
    categories: Iterable[str] = ("World",),
    url: str | None = "https://example.org/post",
    state: str = "published",
) -> int:
    """Insert an article dated `at` (its summary's visible categories: `categories`); return its id."""
    key = f"posts/{next(_KEYS)}.md"
    shown = list(categories)
    async with sessions.begin() as session:
        row = ArticleRow(
            key=key, path=key, title=title, date=at, url=url, categories=shown, tags=[],
            summary={"v": 2, "key": key, "title": title, "excerpt": "Text.", "date": at.isoformat(),
                     "url": url, "categories": shown},
            state=state, published_at=at, indexed_at=at,
        )  # fmt: skip
        session.add(row)
        await session.flush()
        return row.id


async def add_digest_subscription(
    sessions, channel_id: str, schedule: DigestSchedule, *, now: datetime, platform: str = "fake",
    zone: str = "UTC", lang: str | None = None, silent: bool = False,
) -> int:
    """Insert an active subscription taking `schedule`'s digest, first due after `now`; return its id."""
    async with sessions.begin() as session:
        sub = Subscription(
            platform=platform, channel_id=channel_id, origin="chat", active=True, created_at=now,
            updated_at=now, lang=lang, silent=silent, digest=schedule.every, digest_time=schedule.time,
            digest_day=schedule.weekday, digest_zone=schedule.zone,
            digest_next_at=next_digest_at(schedule, zone, now),
        )  # fmt: skip
        session.add(sub)
        await session.flush()
        return sub.id


async def add_entry(sessions, subscription_id: int, article_id: int, *, at: datetime) -> None:
    """What fan-out writes for a digest subscription's new matching article."""
    async with sessions.begin() as session:
        session.add(DigestEntry(subscription_id=subscription_id, article_id=article_id, created_at=at))


async def digests(sessions) -> list[DigestRow]:
    """Every digest made, oldest first."""
    async with sessions() as session:
        return list((await session.scalars(select(DigestRow).order_by(DigestRow.id))).all())


async def outbox(sessions) -> list[Delivery]:
    """Every outbox row, oldest first."""
    async with sessions() as session:
        return list((await session.scalars(select(Delivery).order_by(Delivery.id))).all())


async def next_at(sessions, subscription_id: int) -> datetime | None:
    """When the subscription's next digest is due."""
    async with sessions() as session:
        row = await session.get(Subscription, subscription_id)
        return row.digest_next_at if row else None


def utc(*args: int) -> datetime:
    """A UTC moment."""
    return datetime(*args, tzinfo=UTC)  # type: ignore[misc]
