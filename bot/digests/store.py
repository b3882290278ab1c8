"""Digests in the database: what waits for a chat's next digest, making the digests that are due,
and one digest's content.

Fan-out adds a `digest_entries` row (digest_id NULL) for each new article a digest subscription
matches. When the subscription's `digest_next_at` has come, `make_due_digests` makes its digest
in ONE transaction: a `digests` row for the period (the local date it was due on; unique, so a
period gets one digest however many replicas or restarts try), the waiting entries of articles
still published moved into it, the outbox row that sends it (`round = -digest id`, unique too),
and `digest_next_at` moved to the next due time after now. A digest of nothing sends nothing.
The outbox then sends it like any card: rate limits, retries, leases and crash safety included.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta, tzinfo

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.digests import MAX_LISTED, Digest, DigestItem, DigestSchedule
from bot.digests.times import next_digest_at, zone_of
from bot.store.articles import summary_of
from bot.store.dialect import dialect_insert
from bot.store.models import DELIVERY_KEY, ArticleRow, Delivery, DigestEntry, DigestRow, Subscription, affected_rows
from bot.store.states import ArticleState
from bot.store.subscriptions import schedule_of

__all__ = ["BATCH", "load_digest", "make_due_digests", "next_due"]

log = logging.getLogger("herald.digests")

Sessions = async_sessionmaker[AsyncSession]

BATCH = 500
"""Subscriptions looked at per pass; a pass over more goes on with the next batch."""
_LOOK_BACK = timedelta(days=8)
"""A due time older than this (the service was down for long) is only looked for within the last
eight days: the latest missed due time of a weekly digest is never older."""


async def make_due_digests(sessions: Sessions, *, now: datetime, default_zone: tzinfo | str) -> int:
    """Make the digest of every active subscription whose digest is due at `now`; return how many
    outbox rows were added (digests that list something).

    Idempotent and safe with several replicas at once: each subscription is done in its own
    transaction (on PostgreSQL with its row locked, others skipped while locked), the period is
    unique, the outbox row is inserted with ON CONFLICT DO NOTHING."""
    added = 0
    after = 0  # subscriptions are taken in id order, a batch at a time
    while True:
        async with sessions() as session:
            ids = list(
                await session.scalars(
                    select(Subscription.id)
                    .where(
                        Subscription.active.is_(True),
                        Subscription.digest.is_not(None),
                        Subscription.digest_next_at <= now,
                        Subscription.id > after,
                    )
                    .order_by(Subscription.id)
                    .limit(BATCH)
                )
            )
        if not ids:
            return added
        after = ids[-1]
        for subscription_id in ids:
            try:
                added += await _make_one(sessions, subscription_id, now=now, default_zone=default_zone)
            except Exception:  # one broken subscription must not stop the others' digests
                log.exception("digest of subscription %s failed", subscription_id)


async def _make_one(sessions: Sessions, subscription_id: int, *, now: datetime, default_zone: tzinfo | str) -> int:
    """Make one subscription's due digest (if still due); return the outbox rows added (0 or 1)."""
    async with sessions.begin() as session:
        statement = select(Subscription).where(
            Subscription.id == subscription_id,
            Subscription.active.is_(True),
            Subscription.digest_next_at <= now,
        )
        if session.get_bind().dialect.name == "postgresql":
            statement = statement.with_for_update(skip_locked=True)
        row = await session.scalar(statement)
        if row is None or row.digest_next_at is None:
            return 0  # made meanwhile by another replica, or it is making it now
        schedule = schedule_of(row)
        if schedule is None:  # a schedule half-cleared by hand: stop looking at it
            row.digest_next_at = None
            return 0
        zone = zone_of(schedule, default_zone)
        due = _latest_due(schedule, zone, row.digest_next_at, now)
        period = due.astimezone(zone).date().isoformat()
        row.digest_next_at = next_digest_at(schedule, zone, now)
        digest_id = await _new_digest(session, subscription_id, period, due, now)
        if digest_id is None:
            log.info("digest of subscription %s for %s was already made", subscription_id, period)
            return 0
        count = await _collect(session, subscription_id, digest_id)
        if count == 0:
            return 0
        await session.execute(
            update(DigestRow).where(DigestRow.id == digest_id).values(articles=count)
            .execution_options(synchronize_session=False)
        )  # fmt: skip
        added = await _enqueue(session, row, digest_id, now)
        log.info("digest %s of subscription %s (%s): %d articles", digest_id, subscription_id, period, count)
        return added


def _latest_due(schedule: DigestSchedule, zone: tzinfo, first: datetime, now: datetime) -> datetime:
    """Return the latest due time at or before `now`, starting from the stored one (`first`):
    the one a digest made now stands for after missed ones."""
    due = first
    if now - due > _LOOK_BACK:
        due = next_digest_at(schedule, zone, now - _LOOK_BACK)
        if due > now:  # pragma: no cover - a weekly schedule always has a time within eight days
            return first
    while True:
        following = next_digest_at(schedule, zone, due)
        if following > now:
            return due
        due = following


async def _new_digest(session: AsyncSession, subscription_id: int, period: str, due: datetime, now: datetime) -> int | None:
    """Insert the period's digest; return its id, or None when the period already has one."""
    statement = (
        dialect_insert(session, DigestRow)
        .values(subscription_id=subscription_id, period=period, due_at=due, created_at=now, articles=0)
        .on_conflict_do_nothing(index_elements=["subscription_id", "period"])
        .returning(DigestRow.id)
    )
    return (await session.execute(statement)).scalar_one_or_none()


async def _collect(session: AsyncSession, subscription_id: int, digest_id: int) -> int:
    """Move the subscription's waiting entries of still-published articles into the digest."""
    published = select(ArticleRow.id).where(ArticleRow.state == ArticleState.PUBLISHED)
    result = await session.execute(
        update(DigestEntry)
        .where(
            DigestEntry.subscription_id == subscription_id,
            DigestEntry.digest_id.is_(None),
            DigestEntry.article_id.in_(published),
        )
        .values(digest_id=digest_id)
        .execution_options(synchronize_session=False)
    )
    return max(0, affected_rows(result) or 0)


async def _enqueue(session: AsyncSession, row: Subscription, digest_id: int, now: datetime) -> int:
    """Add the outbox row that sends the digest (its article: the newest one listed)."""
    # Here, not at the top: bot.delivery imports this module (the engine loads digests to send).
    from bot.delivery.signals import notify_added

    newest = await session.scalar(
        select(DigestEntry.article_id)
        .join(ArticleRow, ArticleRow.id == DigestEntry.article_id)
        .where(DigestEntry.digest_id == digest_id)
        .order_by(ArticleRow.date.desc(), ArticleRow.id.desc())
        .limit(1)
    )
    if newest is None:  # pragma: no cover - _collect just moved at least one entry here
        return 0
    statement = (
        dialect_insert(session, Delivery)
        .values(
            article_id=newest, round=-digest_id, platform=row.platform, channel_id=row.channel_id,
            subscription_id=row.id, status="pending", priority=0, attempts=0, due_at=now, plain=False,
            created_at=now, shard=row.shard,
        )
        .on_conflict_do_nothing(index_elements=DELIVERY_KEY)
    )  # fmt: skip
    added = max(0, affected_rows(await session.execute(statement)) or 0)
    if added:
        await notify_added(session)
    return added


async def load_digest(sessions: Sessions, digest_id: int) -> Digest | None:
    """Return what digest `digest_id` lists (articles still published, newest first, at most
    `MAX_LISTED`, the rest counted in `more`), or None when it is gone or lists nothing any more."""
    async with sessions() as session:
        found = (
            await session.execute(
                select(DigestRow, Subscription)
                .join(Subscription, Subscription.id == DigestRow.subscription_id)
                .where(DigestRow.id == digest_id)
            )
        ).first()
        if found is None:
            return None
        digest, subscription = found
        listed = (
            select(DigestEntry.article_id)
            .join(ArticleRow, ArticleRow.id == DigestEntry.article_id)
            .where(DigestEntry.digest_id == digest_id, ArticleRow.state == ArticleState.PUBLISHED)
        )
        total = await session.scalar(select(func.count()).select_from(listed.subquery())) or 0
        if total == 0:
            return None
        rows = await session.scalars(
            select(ArticleRow)
            .join(DigestEntry, DigestEntry.article_id == ArticleRow.id)
            .where(DigestEntry.digest_id == digest_id, ArticleRow.state == ArticleState.PUBLISHED)
            .order_by(ArticleRow.date.desc(), ArticleRow.id.desc())
            .limit(MAX_LISTED)
        )
        items = tuple(_item(article) for article in rows)
    schedule = schedule_of(subscription) or _schedule_from(digest.due_at)
    return Digest(schedule, digest.period, items, more=max(0, total - len(items)))


def _item(article: ArticleRow) -> DigestItem:
    summary = summary_of(article)
    category = summary.categories[0] if summary.categories else None
    return DigestItem(article.id, article.title or summary.title, article.url, category, article.date)


def _schedule_from(due_at: datetime) -> DigestSchedule:
    """A stand-in schedule for a digest whose subscription has stopped digests since."""
    moment = due_at.astimezone(UTC)
    return DigestSchedule("daily", moment.hour, moment.minute, None, "UTC")


async def next_due(sessions: Sessions) -> datetime | None:
    """Return when the next digest is due (the earliest `digest_next_at`), or None."""
    async with sessions() as session:
        return await session.scalar(
            select(func.min(Subscription.digest_next_at)).where(Subscription.active.is_(True), Subscription.digest.is_not(None))
        )
