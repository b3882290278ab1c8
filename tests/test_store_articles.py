"""The article store: upsert keeps ids, /latest and /category see only published posts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import text

from bot.content.article import Article
from bot.store.articles import (
    ArticleUpsert,
    Listed,
    category_counts,
    count_published,
    get_article,
    get_article_by_key,
    latest_articles,
    latest_listed,
    normalize_category,
    set_state,
    summary_of,
    upsert_article,
    upsert_in,
)
from bot.store.states import ArticleState
from bot.summary.model import Summary

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def make(key: str, *, day: int = 1, categories=("News",), tags=(), title: str | None = None) -> tuple[Article, Summary]:
    date = datetime(2026, 2, day, 8, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
    article = Article(
        key=key, path=f"{key}.md", title=title or f"Title {key}", date=date, body="body",
        categories=tuple(categories), tags=tuple(tags), digest=f"d-{key}", size=10, mtime_ns=5,
    )
    summary = Summary(
        article_id=0, key=key, title=article.title, excerpt="An excerpt.", date=date,
        image="https://example.org/a.png", url=f"https://example.org/{key}/", hashtags=("News",),
        categories=tuple(categories),
    )
    return article, summary


async def test_upsert_keeps_the_id_and_updates_fields(sessions) -> None:
    article, summary = make("a")
    first = await upsert_article(sessions, article, summary, state=ArticleState.PUBLISHED, now=NOW)
    edited, edited_summary = make("a", title="New title", categories=("Tech",))
    second = await upsert_article(sessions, edited, edited_summary, state=ArticleState.PUBLISHED, now=NOW + timedelta(hours=1))
    assert first == second
    row = await get_article(sessions, first)
    assert row is not None and row.title == "New title"
    assert row.published_at == NOW  # not re-stamped by an edit
    assert await count_published(sessions, category_norm="news") == 0
    assert await count_published(sessions, category_norm="tech") == 1


async def test_dates_come_back_aware_and_equal(sessions) -> None:
    article, summary = make("a")
    article_id = await upsert_article(sessions, article, summary, state=ArticleState.PUBLISHED, now=NOW)
    row = await get_article_by_key(sessions, "a")
    assert row is not None and row.id == article_id
    assert row.date == article.date and row.date.tzinfo is not None
    assert row.published_at == NOW


async def test_summary_round_trips_with_the_short_id(sessions) -> None:
    article, summary = make("a", tags=("Python",))
    article_id = await upsert_article(sessions, article, summary, state=ArticleState.PUBLISHED, now=NOW)
    row = await get_article(sessions, article_id)
    rebuilt = summary_of(row)
    assert rebuilt.article_id == article_id
    assert rebuilt.title == summary.title and rebuilt.excerpt == summary.excerpt
    assert rebuilt.date == summary.date and rebuilt.hashtags == summary.hashtags
    assert rebuilt.image == summary.image and rebuilt.categories == summary.categories


async def test_latest_lists_only_published_newest_first(sessions) -> None:
    ids = {}
    published, draft, held, removed = ArticleState.PUBLISHED, ArticleState.DRAFT, ArticleState.HELD, ArticleState.REMOVED
    for day, key, state in [(1, "old", published), (3, "new", published), (2, "mid", published),
                            (4, "draft", draft), (5, "held", held), (6, "gone", removed),
                            (7, "later", ArticleState.SCHEDULED)]:
        article, summary = make(key, day=day)
        ids[key] = await upsert_article(sessions, article, summary, state=state, now=NOW)
    rows = await latest_articles(sessions, limit=10)
    assert [r.key for r in rows] == ["new", "mid", "old"]
    assert [r.key for r in await latest_articles(sessions, limit=1, offset=1)] == ["mid"]
    assert await count_published(sessions) == 3


async def test_category_filter_matches_normalised_categories_and_tags(sessions) -> None:
    a, sa = make("a", categories=("观察者网", "ＮＥＷＳ"))
    b, sb = make("b", categories=("Tech",), tags=("News",))
    await upsert_article(sessions, a, sa, state=ArticleState.PUBLISHED, now=NOW)
    await upsert_article(sessions, b, sb, state=ArticleState.PUBLISHED, now=NOW)
    assert {r.key for r in await latest_articles(sessions, limit=5, category_norm=normalize_category("news"))} == {"a", "b"}
    assert [r.key for r in await latest_articles(sessions, limit=5, category_norm=normalize_category("观察者网"))] == ["a"]


async def test_category_counts_counts_published_categories_not_tags(sessions) -> None:
    for key, cats, tags, state in [("a", ("News", "首页"), ("x",), ArticleState.PUBLISHED),
                                   ("b", ("News",), (), ArticleState.PUBLISHED),
                                   ("c", ("Tech",), ("News",), ArticleState.PUBLISHED),
                                   ("d", ("Tech",), (), ArticleState.DRAFT)]:
        article, summary = make(key, categories=cats, tags=tags)
        await upsert_article(sessions, article, summary, state=state, now=NOW)
    counts = await category_counts(sessions, hidden_norms=frozenset({normalize_category("首页")}))
    assert counts == [("News", 2), ("Tech", 1)]


async def test_category_counts_follow_every_change_whoever_writes_it(sessions, engine) -> None:
    for key, cats in [("a", ("News",)), ("b", ("News", "Tech"))]:
        article, summary = make(key, categories=cats)
        await upsert_article(sessions, article, summary, state=ArticleState.PUBLISHED, now=NOW)
    assert await category_counts(sessions) == [("News", 2), ("Tech", 1)]
    assert await category_counts(sessions) == [("News", 2), ("Tech", 1)]  # asked again: unchanged
    article, summary = make("c", categories=("Tech",))
    c_id = await upsert_article(sessions, article, summary, state=ArticleState.PUBLISHED, now=NOW)
    assert await category_counts(sessions) == [("News", 2), ("Tech", 2)]
    await set_state(sessions, c_id, ArticleState.REMOVED, now=NOW)
    assert await category_counts(sessions) == [("News", 2), ("Tech", 1)]
    # Writes that bypass these functions (the indexer's bulk updates, another process) count too.
    b_id = (await get_article_by_key(sessions, "b")).id
    async with engine.begin() as conn:
        await conn.execute(text("UPDATE articles SET state = 'draft' WHERE id = :id"), {"id": b_id})
    assert await category_counts(sessions) == [("News", 1)]
    async with engine.begin() as conn:
        await conn.execute(text("UPDATE articles SET state = 'published' WHERE id = :id"), {"id": b_id})
        await conn.execute(text("DELETE FROM article_categories WHERE article_id = :id AND norm = 'tech'"),
                           {"id": b_id})
    assert await category_counts(sessions) == [("News", 2)]
    async with engine.begin() as conn:
        await conn.execute(text("INSERT INTO article_categories (article_id, norm, name, is_tag) "
                                "VALUES (:id, 'sport', 'Sport', false)"), {"id": b_id})
    assert await category_counts(sessions) == [("News", 2), ("Sport", 1)]


async def test_a_big_category_lists_the_same_pages_as_a_small_one(sessions) -> None:
    # Above a few hundred articles a category's page walks the date index instead of sorting.
    items = []
    for i in range(340):
        article, summary = make(f"k{i}", day=1 + i % 28, categories=("Big",) if i % 3 else ("Big", "Odd"))
        state = ArticleState.DRAFT if i % 17 == 0 else ArticleState.PUBLISHED
        items.append(ArticleUpsert(article, summary, state))
    async with sessions.begin() as session:
        await upsert_in(session, items, now=NOW)
    for norm in ("big", "odd"):
        every = await latest_articles(sessions, limit=400, category_norm=norm)
        assert await count_published(sessions, category_norm=norm) == len(every)
        for offset in (0, 5, len(every) - 3):
            page = await latest_listed(sessions, limit=5, offset=offset, category_norm=norm)
            assert page == [Listed(r.id, r.title, r.date) for r in every[offset:offset + 5]]
    assert await count_published(sessions, category_norm="big") > 300 > await count_published(sessions, category_norm="odd")


async def test_set_state_publishes_and_removes(sessions) -> None:
    article, summary = make("a")
    article_id = await upsert_article(sessions, article, summary, state=ArticleState.HELD, now=NOW)
    assert await count_published(sessions) == 0
    assert (await get_article(sessions, article_id)).published_at is None
    later = NOW + timedelta(days=1)
    await set_state(sessions, article_id, ArticleState.PUBLISHED, now=later)
    row = await get_article(sessions, article_id)
    assert row.state == ArticleState.PUBLISHED and row.published_at == later
    await set_state(sessions, article_id, ArticleState.REMOVED, now=later)
    assert await latest_articles(sessions, limit=5) == []


async def test_unknown_state_is_refused(sessions) -> None:
    article, summary = make("a")
    with pytest.raises(ValueError):
        await upsert_article(sessions, article, summary, state="live", now=NOW)
