"""Fan-out: turn one article into outbox rows, one per matching target.

The outbox is unique per (article, round, platform, channel), and rows are inserted with
ON CONFLICT DO NOTHING, so fanning one round of an article out twice never sends it twice.
Round 0 is the article's publication; an admin broadcast uses its queue item's id as the round,
so broadcasting a published article again reaches everyone again, exactly once per broadcast.

A subscription matches by its categories, then its filters (`bot.filters`). Keyword filters are
SQL (`bot.delivery.matching`), so every subscription without a regular expression is served by
ONE INSERT … SELECT per article, committed before anything else runs. Subscriptions with
expressions go through a second, bounded pass (`bot.delivery.fanout_regex`). On publication a
subscription that takes a digest gets a `digest_entries` row instead of a delivery.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ColumnElement, literal, select, true, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.delivery import fanout_regex
from bot.delivery.fanout_regex import Candidate
from bot.delivery.matching import article_text, categories_match, keywords_pass
from bot.delivery.shards import shard_of
from bot.delivery.signals import notify_added
from bot.store.dialect import dialect_insert
from bot.store.models import (
    DELIVERY_KEY,
    ArticleRow,
    BigId,
    Delivery,
    DigestEntry,
    Subscription,
    UtcDateTime,
    affected_rows,
)
from bot.targets import Target

__all__ = ["announce", "fan_out"]

_COLUMNS = [
    "article_id", "round", "platform", "channel_id", "subscription_id", "status",
    "priority", "attempts", "due_at", "plain", "created_at", "shard",
]  # fmt: skip
_CONFLICT = DELIVERY_KEY  # sends are action "send", revision 0 (the columns' defaults)


async def fan_out(
    sessions: async_sessionmaker[AsyncSession],
    article_id: int,
    *,
    now: datetime,
    only: Target | None = None,
    priority: int = 0,
    round: int = 0,
) -> int:
    """Queue the article for every matching active subscription (or just `only`); return rows added.

    A subscription matches when it has no category filter or one of its filters equals one of
    the article's normalised categories/tags, and the article passes its keyword and expression
    filters. `only` names one target explicitly (an admin's choice), so it gets the article
    whether or not it subscribed, whatever its filters. `round` tells broadcasts of the same
    article apart (0 = its publication, else the broadcasting queue item's id); on publication
    a subscription taking a digest gets the article in its next digest instead.
    """
    if only is not None:
        async with sessions.begin() as session:
            return await _to_one(session, article_id, only, now=now, priority=priority, round=round)
    return await _to_subscribers(sessions, article_id, now=now, priority=priority, round=round, announcing=False)


async def announce(sessions: async_sessionmaker[AsyncSession], article_id: int, *, now: datetime) -> int:
    """Fan a newly published article out (round 0) and clear its `announce_pending` mark.

    The SQL pass commits first (those targets never wait for expressions); the expression pass's
    rows and the cleared mark are one transaction after it. After a crash in between the mark is
    still there, the announcement runs again, and ON CONFLICT keeps it from adding anything twice.
    """
    return await _to_subscribers(sessions, article_id, now=now, priority=0, round=0, announcing=True)


async def _to_subscribers(
    sessions: async_sessionmaker[AsyncSession],
    article_id: int,
    *,
    now: datetime,
    priority: int,
    round: int,
    announcing: bool,
) -> int:
    """Both passes over the subscribers; return outbox rows added."""
    digests = round == 0
    async with sessions.begin() as session:
        text = await article_text(session, article_id)
        if text is None:  # no such article: nothing to send, nothing to mark
            return 0
        added = await _keyword_pass(session, article_id, text, now=now, priority=priority, round=round)
        found: list[Candidate] = await fanout_regex.candidates(session, article_id, text, digests=digests)
        if not found:
            if announcing:
                await _clear_pending(session, article_id)
            return added
    done = await fanout_regex.run(article_id, text, found)
    async with sessions.begin() as session:
        more = await fanout_regex.insert_matched(
            session, article_id, done.matched, now=now, priority=priority, round=round
        )
        if more:
            await notify_added(session)
        if announcing:
            await _clear_pending(session, article_id)
    return added + more


async def _keyword_pass(
    session: AsyncSession, article_id: int, text: str, *, now: datetime, priority: int, round: int
) -> int:
    """Insert the rows of every subscription the SQL conditions decide (no expressions); return
    outbox rows added. One statement, and one more for digest entries on publication."""
    matched = (categories_match(article_id), keywords_pass(text))
    if round == 0:
        entries = select(
            Subscription.id, literal(article_id, BigId), literal(now, UtcDateTime())
        ).where(Subscription.digest_next_at.is_not(None), Subscription.active.is_(True), *matched)
        statement = (
            dialect_insert(session, DigestEntry)
            .from_select(["subscription_id", "article_id", "created_at"], entries)
            .on_conflict_do_nothing(index_elements=["subscription_id", "article_id"])
        )
        await session.execute(statement)
    at_once = Subscription.digest_next_at.is_(None) if round == 0 else true()
    source = _rows(article_id, now=now, priority=priority, round=round, where=(at_once, *matched))
    result = await session.execute(
        dialect_insert(session, Delivery).from_select(_COLUMNS, source).on_conflict_do_nothing(index_elements=_CONFLICT)
    )
    added = max(0, affected_rows(result) or 0)
    if added:
        await notify_added(session)  # other replicas claim their part at once, not at their next poll
    return added


def _rows(article_id: int, *, now: datetime, priority: int, round: int, where: tuple[ColumnElement[bool], ...]):
    sub = Subscription
    return select(
        literal(article_id, BigId),
        literal(round, BigInteger()),
        sub.platform,
        sub.channel_id,
        sub.id,
        literal("pending"),
        literal(priority),
        literal(0),
        literal(now, UtcDateTime()),
        literal(False),
        literal(now, UtcDateTime()),
        sub.shard,
    ).where(sub.active.is_(True), *where)  # SQLite needs a WHERE before ON CONFLICT in INSERT ... SELECT anyway


async def _to_one(
    session: AsyncSession, article_id: int, only: Target, *, now: datetime, priority: int, round: int
) -> int:
    """Queue the article for one explicit target (categories and filters do not apply)."""
    subscription = (
        select(Subscription.id)
        .where(Subscription.platform == only.platform, Subscription.channel_id == only.channel_id)
        .scalar_subquery()
    )
    shard = shard_of(only.platform, only.channel_id)  # the subscription's, if there is one
    statement = (
        dialect_insert(session, Delivery)
        .values(
            article_id=article_id, round=round, platform=only.platform, channel_id=only.channel_id,
            subscription_id=subscription, status="pending", priority=priority, attempts=0, due_at=now,
            plain=False, created_at=now, shard=shard,
        )
        .on_conflict_do_nothing(index_elements=_CONFLICT)
    )  # fmt: skip
    added = max(0, affected_rows(await session.execute(statement)) or 0)
    if added:
        await notify_added(session)
    return added


async def _clear_pending(session: AsyncSession, article_id: int) -> None:
    await session.execute(
        update(ArticleRow)
        .where(ArticleRow.id == article_id)
        .values(announce_pending=False)
        .execution_options(synchronize_session=False)
    )
