"""What lists and counts read: a page of published articles (id, title, date only), how many are
published (in a category or tag), and the categories with their counts.

Counts are kept until the read stamp moves (`bot.store.read_stamp`): triggers move it on every
change to articles' states or their categories, whoever writes, so asking again costs one
primary-key read. Queries match `ix_articles_state_date_id` and `ix_article_categories_norm_article_id`.
"""

from __future__ import annotations

from datetime import datetime
from typing import NamedTuple

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.store.models import ArticleCategory, ArticleRow
from bot.store.read_stamp import StampCache
from bot.store.states import ArticleState


def ids_in(category_norm: str):
    """The ids of a category's (or tag's) articles, read from `ix_article_categories_norm_article_id`."""
    return select(ArticleCategory.article_id).where(ArticleCategory.norm == category_norm)


def newest_first(query, *, limit: int, offset: int):
    """Order newest first (date, then id: the index's order) and cut out one page."""
    return query.order_by(ArticleRow.date.desc(), ArticleRow.id.desc()).limit(max(0, limit)).offset(max(0, offset))


class Listed(NamedTuple):
    """What a list shows of an article: its id, title and date."""

    id: int
    title: str
    date: datetime


async def latest_listed(
    sessions: async_sessionmaker[AsyncSession],
    *,
    limit: int,
    offset: int = 0,
    category_norm: str | None = None,
) -> list[Listed]:
    """Like `latest_articles`, reading only the columns a list shows.

    The page is read by walking `ix_articles_state_date_id` backwards and stopping after it; for
    a category with many articles each is checked by the category table's primary key (EXISTS),
    for a small one its ids come from `ix_article_categories_norm_article_id` and are sorted.
    """
    query = select(ArticleRow.id, ArticleRow.title, ArticleRow.date).where(ArticleRow.state == ArticleState.PUBLISHED)
    if category_norm is not None:
        if await count_published(sessions, category_norm=category_norm) > _SMALL_CATEGORY:
            query = query.where(has_category(category_norm))
        else:
            query = query.where(ArticleRow.id.in_(ids_in(category_norm)))
    query = newest_first(query, limit=limit, offset=offset)
    async with sessions() as session:
        return [Listed(*row) for row in (await session.execute(query)).all()]


_SMALL_CATEGORY = 300
"""Up to this many articles, a category's page sorts its articles; above, it walks the date index."""


def has_category(category_norm: str):
    """The article has this category or tag: one probe of the category table's primary key."""
    link = select(ArticleCategory.article_id).where(
        ArticleCategory.article_id == ArticleRow.id, ArticleCategory.norm == category_norm
    )
    return link.exists()


_CACHE = StampCache()
"""Counts kept until the read stamp moves (`bot.store.read_stamp`)."""


async def count_published(
    sessions: async_sessionmaker[AsyncSession], *, category_norm: str | None = None
) -> int:
    """Count published articles, optionally of one category or tag (kept until something changes)."""
    query = select(func.count()).select_from(ArticleRow).where(ArticleRow.state == ArticleState.PUBLISHED)
    if category_norm is not None:
        query = query.where(ArticleRow.id.in_(ids_in(category_norm)))
    async with sessions() as session:

        async def compute() -> int:
            return int(await session.scalar(query) or 0)

        return await _CACHE.get(sessions, session, ("count", category_norm), compute)


async def category_counts(
    sessions: async_sessionmaker[AsyncSession], *, hidden_norms: frozenset[str] = frozenset()
) -> list[tuple[str, int]]:
    """Return (category name, published article count), most articles first, then by name.

    The counts are read again only when the read stamp moved (a trigger moves it on every change
    to articles' states or their categories), so asking twice costs one primary-key read.
    """
    query = (
        select(ArticleCategory.norm, func.min(ArticleCategory.name), func.count(ArticleCategory.article_id))
        .join(ArticleRow, ArticleRow.id == ArticleCategory.article_id)
        .where(ArticleRow.state == ArticleState.PUBLISHED, ArticleCategory.is_tag.is_(False))
        .group_by(ArticleCategory.norm)
    )
    async with sessions() as session:

        async def compute() -> list[tuple[str, str, int]]:
            rows = [(str(norm), str(name), int(n)) for norm, name, n in (await session.execute(query)).all()]
            return sorted(rows, key=lambda row: (-row[2], row[1]))

        rows = await _CACHE.get(sessions, session, "categories", compute)
    return [(name, n) for norm, name, n in rows if norm not in hidden_norms]
