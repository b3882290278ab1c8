"""The library index's queries: a light snapshot of every indexed row, the bookkeeping writes of one
pass (unchanged files, announcements, removals) and publishing what the calendar made due."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.store.models import ArticleRow
from bot.store.states import ArticleState

__all__ = [
    "Due", "IndexedRow", "Touch", "indexed_rows", "mark_announce_pending", "mark_removed", "next_scheduled",
    "publish_due", "touch",
]


@dataclass(frozen=True, slots=True)
class IndexedRow:
    """What the store knows about one article, enough to decide without loading the row."""

    id: int
    key: str
    path: str
    state: ArticleState
    size: int
    mtime_ns: int
    digest: str
    was_published: bool


@dataclass(frozen=True, slots=True)
class Touch:
    """A file read again with the same bytes as indexed: only its size and mtime are updated."""

    id: int
    size: int
    mtime_ns: int


@dataclass(frozen=True, slots=True)
class Due:
    """What `publish_due` did, by article id: newly published (to announce) and held for approval."""

    published: list[int]
    held: list[int]


async def indexed_rows(sessions: async_sessionmaker[AsyncSession], source: str | None = None) -> list[IndexedRow]:
    """Return every article indexed from the content folder (removed ones too), or from the feed or
    git `source` named, by id, without loading whole rows."""
    columns = (
        ArticleRow.id, ArticleRow.key, ArticleRow.path, ArticleRow.state, ArticleRow.size,
        ArticleRow.mtime_ns, ArticleRow.digest, ArticleRow.published_at.is_not(None),
    )
    async with sessions() as session:
        origin = ArticleRow.source.is_(None) if source is None else ArticleRow.source == source
        rows = (await session.execute(select(*columns).where(origin).order_by(ArticleRow.id))).all()
    return [
        IndexedRow(id_, key, path, state, size, mtime_ns, digest, was_published)
        for id_, key, path, state, size, mtime_ns, digest, was_published in rows
    ]


async def touch(session: AsyncSession, touched: Sequence[Touch]) -> None:
    """Record the new size and mtime of files whose content did not change (one executemany)."""
    if touched:
        rows = [{"id": t.id, "size": t.size, "mtime_ns": t.mtime_ns} for t in touched]
        await session.execute(update(ArticleRow), rows)


async def mark_announce_pending(session: AsyncSession, ids: Sequence[int]) -> None:
    """Mark articles to announce, in the publishing transaction; the fan-out (`announce`) clears it."""
    if ids:
        await session.execute(update(ArticleRow).where(ArticleRow.id.in_(ids)).values(announce_pending=True))


async def mark_removed(session: AsyncSession, ids: Sequence[int]) -> list[int]:
    """Mark articles removed (their file is gone); return the ids."""
    if ids:
        await session.execute(update(ArticleRow).where(ArticleRow.id.in_(ids)).values(state=ArticleState.REMOVED))
    return list(ids)


async def publish_due(sessions: async_sessionmaker[AsyncSession], now: datetime, *, auto_publish: bool) -> Due:
    """Publish scheduled articles dated `now` or earlier, oldest first; hold them when auto-publish is off.

    One published before (then re-dated into the future) is published again silently. The newly
    published are marked `announce_pending` in the same transaction.
    """
    due = Due([], [])
    async with sessions.begin() as session:
        rows = await session.scalars(
            select(ArticleRow)
            .where(ArticleRow.state == ArticleState.SCHEDULED, ArticleRow.date <= now)
            .order_by(ArticleRow.date, ArticleRow.id)
        )
        for row in rows.all():
            if row.published_at is not None:
                row.state = ArticleState.PUBLISHED
            elif auto_publish:
                row.state, row.published_at, row.announce_pending = ArticleState.PUBLISHED, now, True
                due.published.append(row.id)
            else:
                row.state = ArticleState.HELD
                due.held.append(row.id)
    return due


async def next_scheduled(sessions: async_sessionmaker[AsyncSession]) -> datetime | None:
    """Return the date of the earliest scheduled article, or None."""
    async with sessions() as session:
        return await session.scalar(
            select(ArticleRow.date)
            .where(ArticleRow.state == ArticleState.SCHEDULED)
            .order_by(ArticleRow.date)
            .limit(1)
        )
