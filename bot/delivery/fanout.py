"""Fan-out: turn one article into outbox rows, one per matching target, in one statement.

The outbox is unique per (article, round, platform, channel), and rows are inserted with
ON CONFLICT DO NOTHING, so fanning one round of an article out twice never sends it twice.
Round 0 is the article's publication; an admin broadcast uses its queue item's id as the round,
so broadcasting a published article again reaches everyone again, exactly once per broadcast.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, exists, func, literal, not_, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.delivery.shards import SHARDS, shard_of
from bot.delivery.signals import notify_added
from bot.store.models import (
    ArticleCategory,
    ArticleRow,
    BigId,
    Delivery,
    Subscription,
    SubscriptionCategory,
    UtcDateTime,
    affected_rows,
)
from bot.targets import Target


def dialect_insert(session: AsyncSession, table: type) -> postgresql.Insert | sqlite.Insert:
    """Return an INSERT for the session's database that supports ON CONFLICT."""
    name = session.get_bind().dialect.name
    if name == "postgresql":
        return postgresql.insert(table)
    if name == "sqlite":
        return sqlite.insert(table)
    raise NotImplementedError(f"the outbox needs SQLite or PostgreSQL, not {name}")


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
    the article's normalised categories/tags. `only` names one target explicitly (an admin's
    choice), so it gets the article whether or not it subscribed. `round` tells broadcasts of
    the same article apart (0 = its publication, else the broadcasting queue item's id).
    """
    async with sessions.begin() as session:
        return await fan_out_in(session, article_id, now=now, only=only, priority=priority, round=round)


async def announce(sessions: async_sessionmaker[AsyncSession], article_id: int, *, now: datetime) -> int:
    """Fan a newly published article out (round 0) and clear its `announce_pending` mark, in one
    transaction: after a crash either both happened or the mark is still there to retry."""
    async with sessions.begin() as session:
        count = await fan_out_in(session, article_id, now=now)
        await session.execute(
            update(ArticleRow)
            .where(ArticleRow.id == article_id)
            .values(announce_pending=False)
            .execution_options(synchronize_session=False)
        )
        return count


async def fan_out_in(
    session: AsyncSession,
    article_id: int,
    *,
    now: datetime,
    only: Target | None = None,
    priority: int = 0,
    round: int = 0,
) -> int:
    """`fan_out` inside an open transaction."""
    columns = [
        "article_id", "round", "platform", "channel_id", "subscription_id", "status",
        "priority", "attempts", "due_at", "plain", "created_at", "shard",
    ]  # fmt: skip
    insert = dialect_insert(session, Delivery)
    if only is None:
        source = _subscribers(article_id, now=now, priority=priority, round=round)
        statement = insert.from_select(columns, source)
    else:
        subscription = (
            select(Subscription.id)
            .where(
                Subscription.platform == only.platform,
                Subscription.channel_id == only.channel_id,
            )
            .scalar_subquery()
        )
        shard = func.coalesce(subscription % SHARDS, shard_of(only.platform, only.channel_id))
        statement = insert.values(
            article_id=article_id,
            round=round,
            platform=only.platform,
            channel_id=only.channel_id,
            subscription_id=subscription,
            status="pending",
            priority=priority,
            attempts=0,
            due_at=now,
            plain=False,
            created_at=now,
            shard=shard,
        )
    statement = statement.on_conflict_do_nothing(
        index_elements=["article_id", "round", "platform", "channel_id"]
    )
    result = await session.execute(statement)
    added = max(0, affected_rows(result) or 0)
    if added:
        await notify_added(session)  # other replicas claim their part at once, not at their next poll
    return added


def _subscribers(article_id: int, *, now: datetime, priority: int, round: int):
    sub = Subscription
    has_filter = exists().where(SubscriptionCategory.subscription_id == sub.id)
    filter_matches = exists().where(
        SubscriptionCategory.subscription_id == sub.id,
        SubscriptionCategory.norm == ArticleCategory.norm,
        ArticleCategory.article_id == article_id,
    )
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
        sub.id % SHARDS,
    ).where(  # SQLite needs a WHERE before ON CONFLICT in INSERT ... SELECT anyway
        sub.active.is_(True), or_(not_(has_filter), filter_matches)
    )
