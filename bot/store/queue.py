"""The admin broadcast queue (`queue` table): add, list, cancel, claim and settle queued items.

An item moves `queued` → `sending` → `done`; the move to `sending` is a conditional UPDATE, so
two runners (or a run racing a cancel) can never both take the same item. `cancelled`,
`skipped` (missed by more than the grace) and `failed` (the broadcast raised, or a restart
interrupted it) end an item too.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.store.models import ArticleRow, QueueItem, affected_rows, valid_id

__all__ = [
    "STATUSES", "add", "cancel", "claim", "due_items", "get_item", "list_queued", "list_sending", "mark",
    "next_due", "queue_length", "taken_slots", "waiting",
]

STATUSES = ("queued", "sending", "done", "cancelled", "skipped", "failed")
"""Every queue status; only `queued` items are waiting, only `sending` ones are being broadcast."""


def _utc(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        raise ValueError("queue times must be timezone-aware")
    return moment.astimezone(UTC)


async def add(
    sessions: async_sessionmaker[AsyncSession],
    article_id: int,
    due_at: datetime,
    *,
    target: str | None,
    created_by: str | None,
    now: datetime,
) -> QueueItem:
    """Queue article `article_id` for broadcast at `due_at`; raise LookupError for an unknown article."""
    async with sessions.begin() as session:
        if await session.get(ArticleRow, article_id) is None:
            raise LookupError(f"no article {article_id}")
        item = QueueItem(
            article_id=article_id, due_at=_utc(due_at), target=target, status="queued",
            created_by=created_by, created_at=_utc(now),
        )
        session.add(item)
        await session.flush()
        return item


async def get_item(sessions: async_sessionmaker[AsyncSession], queue_id: int) -> QueueItem | None:
    """Return the queue item with this id, whatever its status, or None."""
    if not valid_id(queue_id):
        return None
    async with sessions() as session:
        return await session.get(QueueItem, queue_id)


async def list_queued(sessions: async_sessionmaker[AsyncSession]) -> list[QueueItem]:
    """Return the waiting items, soonest first."""
    query = select(QueueItem).where(QueueItem.status == "queued").order_by(QueueItem.due_at, QueueItem.id)
    async with sessions() as session:
        return list((await session.scalars(query)).all())


async def list_sending(sessions: async_sessionmaker[AsyncSession]) -> list[QueueItem]:
    """Return items claimed for broadcast but never finished (a restart interrupted them)."""
    query = select(QueueItem).where(QueueItem.status == "sending").order_by(QueueItem.due_at, QueueItem.id)
    async with sessions() as session:
        return list((await session.scalars(query)).all())


async def queue_length(sessions: async_sessionmaker[AsyncSession]) -> int:
    """Count the waiting items."""
    query = select(func.count()).select_from(QueueItem).where(QueueItem.status == "queued")
    async with sessions() as session:
        return int(await session.scalar(query) or 0)


async def taken_slots(sessions: async_sessionmaker[AsyncSession]) -> set[datetime]:
    """Return the times (UTC) that waiting items occupy, for finding the next free slot."""
    query = select(QueueItem.due_at).where(QueueItem.status == "queued")
    async with sessions() as session:
        return set((await session.scalars(query)).all())


async def due_items(sessions: async_sessionmaker[AsyncSession], now: datetime) -> list[QueueItem]:
    """Return waiting items whose time has come (`due_at` ≤ now), oldest first."""
    query = (
        select(QueueItem)
        .where(QueueItem.status == "queued", QueueItem.due_at <= _utc(now))
        .order_by(QueueItem.due_at, QueueItem.id)
    )
    async with sessions() as session:
        return list((await session.scalars(query)).all())


async def cancel(
    sessions: async_sessionmaker[AsyncSession], queue_id: int, *, now: datetime | None = None
) -> QueueItem | None:
    """Cancel a waiting item and return it; None when it is missing or no longer waiting."""
    values: dict[str, object] = {"status": "cancelled"}
    if now is not None:
        values["done_at"] = _utc(now)
    return await _move(sessions, queue_id, "queued", values)


async def claim(sessions: async_sessionmaker[AsyncSession], queue_id: int) -> QueueItem | None:
    """Take a waiting item for broadcast (`queued` → `sending`); None if someone else took or cancelled it."""
    return await _move(sessions, queue_id, "queued", {"status": "sending"})


async def mark(
    sessions: async_sessionmaker[AsyncSession],
    queue_id: int,
    status: str,
    *,
    now: datetime,
    note: str | None = None,
    expected: str | None = None,
) -> QueueItem | None:
    """Set an item's status (stamping `done_at`, and `note` when given); None if missing or not `expected`."""
    if status not in STATUSES:
        raise ValueError(f"unknown queue status {status!r} (one of {', '.join(STATUSES)})")
    values: dict[str, object] = {"status": status}
    if status not in ("queued", "sending"):
        values["done_at"] = _utc(now)
    if note is not None:
        values["note"] = note
    return await _move(sessions, queue_id, expected, values)


async def _move(
    sessions: async_sessionmaker[AsyncSession], queue_id: int, expected: str | None, values: dict[str, object]
) -> QueueItem | None:
    """Update one row (only if it has the `expected` status) and return it as it is now."""
    if not valid_id(queue_id):
        return None
    query = update(QueueItem).where(QueueItem.id == queue_id)
    if expected is not None:
        query = query.where(QueueItem.status == expected)
    async with sessions.begin() as session:
        result = await session.execute(query.values(**values).execution_options(synchronize_session=False))
        if affected_rows(result) != 1:
            return None
        return await session.get(QueueItem, queue_id, populate_existing=True)


async def waiting(sessions: async_sessionmaker[AsyncSession]) -> list[tuple[QueueItem, str]]:
    """Return the waiting items with their articles' titles, soonest first."""
    query = (
        select(QueueItem, ArticleRow.title)
        .join(ArticleRow, ArticleRow.id == QueueItem.article_id)
        .where(QueueItem.status == "queued")
        .order_by(QueueItem.due_at, QueueItem.id)
    )
    async with sessions() as session:
        return [(item, title) for item, title in (await session.execute(query)).all()]


async def next_due(sessions: async_sessionmaker[AsyncSession]) -> datetime | None:
    """Return when the soonest waiting item is due, or None when nothing waits."""
    query = select(QueueItem.due_at).where(QueueItem.status == "queued").order_by(QueueItem.due_at).limit(1)
    async with sessions() as session:
        return await session.scalar(query)
