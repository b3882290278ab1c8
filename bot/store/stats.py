"""Counts for `/stats` and the metrics gauges: articles by state, subscriptions by platform, and
the configured channels (HERALD_CHANNELS) that are disabled, with why."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.store.models import ArticleRow, Delivery, Subscription


async def disabled_targets(sessions: async_sessionmaker[AsyncSession]) -> list[tuple[str, str, str]]:
    """Return the configured channels that are disabled, as (platform, channel id, reason)."""
    async with sessions() as session:
        rows = await session.execute(
            select(Subscription.platform, Subscription.channel_id, Subscription.reason)
            .where(Subscription.origin == "config", Subscription.active.is_(False))
            .order_by(Subscription.platform, Subscription.channel_id)
        )
        return [(platform, channel_id, reason or "") for platform, channel_id, reason in rows]


async def article_counts(sessions: async_sessionmaker[AsyncSession]) -> dict[str, int]:
    """Return how many articles are in each state."""
    async with sessions() as session:
        rows = await session.execute(select(ArticleRow.state, func.count()).group_by(ArticleRow.state))
        return {state: count for state, count in rows}


async def subscription_counts(sessions: async_sessionmaker[AsyncSession]) -> dict[str, int]:
    """Return how many active subscriptions each platform has."""
    async with sessions() as session:
        rows = await session.execute(
            select(Subscription.platform, func.count())
            .where(Subscription.active.is_(True))
            .group_by(Subscription.platform)
        )
        return {platform: count for platform, count in rows}


async def delivery_counts(sessions: async_sessionmaker[AsyncSession], since: datetime) -> dict[str, int]:
    """Count deliveries: sent and failed among those created since `since`, and all still pending."""
    async with sessions() as session:
        rows = (
            await session.execute(
                select(Delivery.status, func.count())
                .where(
                    or_(
                        and_(Delivery.created_at >= since, Delivery.action == "send"),
                        Delivery.status.in_(["pending", "sending"]),
                    )
                )
                .group_by(Delivery.status)
            )
        ).all()
        by_status: dict[str, int] = {status: count for status, count in rows}
    return {
        "sent": by_status.get("sent", 0),
        "failed": by_status.get("failed", 0),
        "pending": by_status.get("pending", 0) + by_status.get("sending", 0),
    }
