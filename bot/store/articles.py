"""Article queries: insert/update indexed posts, read them back, list and count what is published.

The stored summary's JSON form is in `bot.store.summaries` (re-exported here)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.content.article import Article
from bot.filters.text import match_text
from bot.store.listing import Listed, category_counts, count_published, ids_in, latest_listed, newest_first
from bot.store.models import MAX_STORED_BODY, ArticleCategory, ArticleRow, affected_rows, table_of, valid_id
from bot.store.states import STATES, ArticleState
from bot.store.summaries import summary_json, summary_of
from bot.summary.hashtags import normalize_category
from bot.summary.model import Summary

__all__ = [
    "STATES", "ArticleUpsert", "Listed", "category_counts", "count_published", "get_article", "get_article_by_key",
    "kept_body", "latest_articles", "latest_listed", "normalize_category", "set_state", "summary_json", "summary_of",
    "upsert_article", "upsert_in",
]


@dataclass(frozen=True, slots=True)
class ArticleUpsert:
    """One article to write: the parsed post, its summary and the state it should have."""

    article: Article
    summary: Summary
    state: ArticleState
    article_id: int | None = None
    """Update this row (taking the article's key), e.g. a moved file keeping its id; else match by key."""
    source: str | None = None
    """The feed or git source it came from (`bot.sources`); None for the content folder."""


async def upsert_article(
    sessions: async_sessionmaker[AsyncSession],
    article: Article,
    summary: Summary,
    *,
    state: ArticleState,
    now: datetime,
) -> int:
    """Insert or update the article by key (keeping its id) and return its short id."""
    async with sessions.begin() as session:
        return (await upsert_in(session, [ArticleUpsert(article, summary, state)], now=now))[0]


async def upsert_in(session: AsyncSession, items: Sequence[ArticleUpsert], *, now: datetime) -> list[int]:
    """Insert or update many articles by key inside an open transaction; return their ids in order.

    New articles go in with one executemany (multi-row INSERT on PostgreSQL) and their ids come
    back in one SELECT by key, so a first index of thousands of posts costs a few statements per
    batch rather than a round of ORM bookkeeping (or a round trip) per row.
    """
    if not items:
        return []
    for item in items:
        _check_state(item.state)
    keys = {item.article.key for item in items}
    wanted = {item.article_id for item in items if item.article_id is not None}
    query = select(ArticleRow).where(ArticleRow.key.in_(keys))
    if wanted:
        query = select(ArticleRow).where(or_(ArticleRow.key.in_(keys), ArticleRow.id.in_(wanted)))
    found = (await session.scalars(query)).all()
    by_key = {row.key: row for row in found}
    by_id = {row.id: row for row in found}
    ids: list[int | None] = []
    fresh: dict[str, dict[str, object]] = {}
    for item in items:
        row = by_id.get(item.article_id) if item.article_id is not None else by_key.get(item.article.key)
        if item.article_id is not None and row is None:
            raise LookupError(f"no article {item.article_id}")
        if row is None:
            fresh[item.article.key] = _values(item, now, previous=None)
            ids.append(None)
            continue
        for name, value in _values(item, now, previous=row).items():
            setattr(row, name, value)
        by_key[item.article.key] = row
        ids.append(row.id)
    await session.flush()
    existing = {i for i in ids if i is not None}
    if fresh:
        # One executemany (multi-row VALUES on PostgreSQL), then the new ids by key in one SELECT:
        # INSERT … RETURNING in parameter order runs row by row on SQLite.
        await session.execute(insert(table_of(ArticleRow)), list(fresh.values()))
        pairs = select(ArticleRow.key, ArticleRow.id).where(ArticleRow.key.in_(fresh.keys()))
        new_ids = {key: id_ for key, id_ in (await session.execute(pairs)).all()}
        ids = [new_ids[item.article.key] if i is None else i for i, item in zip(ids, items, strict=True)]
    final = [int(i) for i in ids if i is not None]
    if existing:  # new rows have no links yet: only updated ones lose their old ones
        await session.execute(delete(ArticleCategory).where(ArticleCategory.article_id.in_(existing)))
    links: dict[tuple[int, str], dict[str, object]] = {}
    for article_id, item in zip(final, items, strict=True):
        for name, is_tag in _labels(item.article):
            norm = normalize_category(name)[:256]
            if norm and (article_id, norm) not in links:
                links[(article_id, norm)] = {
                    "article_id": article_id, "norm": norm, "name": name[:256], "is_tag": is_tag
                }
    if links:
        await session.execute(insert(table_of(ArticleCategory)), list(links.values()))
    return final


def _labels(article: Article) -> Iterable[tuple[str, bool]]:
    """Yield (name, is_tag): categories first, so a name that is both counts as a category."""
    for name in article.categories:
        yield name.strip(), False
    for name in article.tags:
        yield name.strip(), True


def _values(item: ArticleUpsert, now: datetime, *, previous: ArticleRow | None) -> dict[str, object]:
    """Column values for the article; `published_at` is stamped only when it first becomes published."""
    article = item.article
    values: dict[str, object] = {
        "key": article.key,
        "path": article.path,
        "title": article.title,
        "date": article.date,
        "updated": article.updated,
        "author": article.author,
        "categories": list(article.categories),
        "tags": list(article.tags),
        "thumbnail": article.thumbnail,
        "url": article.url,
        "summary": summary_json(item.summary),
        "match_text": match_text(article.title, article.categories, article.tags, item.summary.excerpt),
        "state": item.state,
        "size": article.size,
        "mtime_ns": article.mtime_ns,
        "digest": article.digest,
        "indexed_at": now,
        "source": item.source,
        "body": article.body[:MAX_STORED_BODY] if item.source is not None else None,
    }
    if previous is None:
        values["published_at"] = now if item.state == ArticleState.PUBLISHED else None
    elif item.state == ArticleState.PUBLISHED and previous.published_at is None:
        values["published_at"] = now
    return values


def _check_state(state: str) -> None:
    """Refuse a state that is not an `ArticleState` (callers may pass plain strings)."""
    if state not in STATES:
        raise ValueError(f"unknown article state {state!r} (one of {', '.join(STATES)})")


async def get_article(sessions: async_sessionmaker[AsyncSession], article_id: int) -> ArticleRow | None:
    """Return the article with this short id, or None."""
    if not valid_id(article_id):
        return None
    async with sessions() as session:
        return await session.get(ArticleRow, article_id)


async def get_article_by_key(sessions: async_sessionmaker[AsyncSession], key: str) -> ArticleRow | None:
    """Return the article with this key, or None."""
    async with sessions() as session:
        return await session.scalar(select(ArticleRow).where(ArticleRow.key == key))


def _published(category_norm: str | None):
    query = select(ArticleRow).where(ArticleRow.state == ArticleState.PUBLISHED)
    if category_norm is not None:
        query = query.where(ArticleRow.id.in_(ids_in(category_norm)))
    return query


async def latest_articles(
    sessions: async_sessionmaker[AsyncSession],
    *,
    limit: int,
    offset: int = 0,
    category_norm: str | None = None,
) -> list[ArticleRow]:
    """Return published articles, newest first (by date, then id), optionally of one category or tag."""
    query = newest_first(_published(category_norm), limit=limit, offset=offset)
    async with sessions() as session:
        return list((await session.scalars(query)).all())


async def set_state(
    sessions: async_sessionmaker[AsyncSession], article_id: int, state: ArticleState, *, now: datetime
) -> None:
    """Change an article's state; becoming published stamps `published_at`."""
    _check_state(state)
    async with sessions.begin() as session:
        row = await session.get(ArticleRow, article_id)
        if row is None:
            raise LookupError(f"no article {article_id}")
        if state == ArticleState.PUBLISHED and (row.state != ArticleState.PUBLISHED or row.published_at is None):
            row.published_at = now
        row.state = state


async def pending_announcements(sessions: async_sessionmaker[AsyncSession]) -> list[int]:
    """Return published articles whose fan-out has not happened yet (a crash came in between)."""
    async with sessions() as session:
        query = select(ArticleRow.id).where(ArticleRow.announce_pending.is_(True)).order_by(ArticleRow.id)
        return list((await session.scalars(query)).all())


async def publish_held(sessions: async_sessionmaker[AsyncSession], article_id: int, now: datetime) -> bool:
    """Move a held article to published (a conditional UPDATE); tell whether this call did it."""
    async with sessions.begin() as session:
        result = await session.execute(
            update(ArticleRow)
            .where(ArticleRow.id == article_id, ArticleRow.state == ArticleState.HELD)
            .values(state=ArticleState.PUBLISHED, published_at=now)
            .execution_options(synchronize_session=False)
        )
        return affected_rows(result) == 1


async def kept_body(sessions: async_sessionmaker[AsyncSession], article_id: int) -> str | None:
    """Return the text kept for a feed's or repository's article (`ArticleRow.body`), or None."""
    async with sessions() as session:
        return await session.scalar(select(ArticleRow.body).where(ArticleRow.id == article_id))


async def articles_named(sessions: async_sessionmaker[AsyncSession], path: str, key: str) -> list[ArticleRow]:
    """Return the articles at this content-relative `path` or with this `key`, oldest first."""
    async with sessions() as session:
        at_path = (ArticleRow.path == path) & ArticleRow.source.is_(None)  # a feed's entry ids are no paths
        query = select(ArticleRow).where(at_path | (ArticleRow.key == key)).order_by(ArticleRow.id)
        return list((await session.scalars(query)).all())
