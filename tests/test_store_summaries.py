"""The stored summary: written with a version and every field, read back from rows of any age, and a
garbled or foreign one never stops a card from being shown (the row's own title, date and link)."""

from __future__ import annotations

import dataclasses
import logging
from datetime import UTC, datetime

import pytest
from sqlalchemy import text, update

from bot.content.article import Article
from bot.store.articles import get_article, summary_of, upsert_article
from bot.store.models import ArticleRow
from bot.store.states import ArticleState
from bot.store.summaries import VERSION
from bot.summary.model import Summary

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
DATE = datetime(2026, 2, 1, 8, 0, tzinfo=UTC)


async def stored(sessions, summary_data=None) -> int:
    """Index one article; then, when given, overwrite its stored summary with `summary_data`."""
    article = Article(key="a", path="a.md", title="Row title", date=DATE, body="body", author="Ann",
                      url="https://example.org/a/", categories=("News",))
    summary = Summary(article_id=0, key="a", title="Card title", excerpt="An excerpt.", date=DATE,
                      image="https://example.org/a.png", url="https://example.org/a/", author="Ann",
                      hashtags=("News",), categories=("News",))
    article_id = await upsert_article(sessions, article, summary, state=ArticleState.PUBLISHED, now=NOW)
    if summary_data is not None:
        async with sessions.begin() as session:
            await session.execute(update(ArticleRow).where(ArticleRow.id == article_id).values(summary=summary_data))
    return article_id


async def read_back(sessions, article_id: int) -> Summary:
    row = await get_article(sessions, article_id)
    assert row is not None
    return summary_of(row)


async def test_a_new_row_stores_every_field_with_its_version(sessions) -> None:
    article_id = await stored(sessions)
    row = await get_article(sessions, article_id)
    assert row.summary["v"] == VERSION
    assert set(row.summary) == {"v"} | {f.name for f in dataclasses.fields(Summary)} - {"article_id"}
    card = summary_of(row)
    assert card.article_id == article_id and card.title == "Card title" and card.excerpt == "An excerpt."
    assert card.date == DATE and card.hashtags == ("News",) and card.image == "https://example.org/a.png"


async def test_a_row_written_before_versions_still_reads(sessions) -> None:
    old = {"key": "a", "title": "Card title", "excerpt": "Old excerpt.", "date": DATE.isoformat(),
           "image": None, "url": "https://example.org/a/", "author": "Ann", "hashtags": ["News"],
           "categories": ["News"]}
    card = await read_back(sessions, await stored(sessions, old))
    assert card.title == "Card title" and card.excerpt == "Old excerpt." and card.date == DATE
    assert card.hashtags == ("News",) and card.categories == ("News",) and card.image is None


async def test_an_old_row_missing_fields_takes_them_from_the_article(sessions) -> None:
    card = await read_back(sessions, await stored(sessions, {"excerpt": "Only this."}))
    assert card.title == "Row title" and card.date == DATE and card.url == "https://example.org/a/"
    assert card.excerpt == "Only this." and card.hashtags == ()


@pytest.mark.parametrize(
    "garbled",
    [[1, 2, 3], "a string", 42, {"v": 3, "title": "From the future"}, {"v": "2"}, {"v": True}, {"v": None}],
    ids=["list", "string", "number", "newer-version", "version-as-text", "version-true", "version-null"],
)
async def test_a_summary_that_is_not_ours_is_rebuilt_from_the_article(sessions, garbled, caplog) -> None:
    with caplog.at_level(logging.WARNING, logger="herald.store"):
        card = await read_back(sessions, await stored(sessions, garbled))
    assert card.title == "Row title" and card.date == DATE and card.url == "https://example.org/a/"
    assert card.excerpt == "" and card.author == "Ann"
    assert "stored summary" in caplog.text


async def test_hostile_fields_are_replaced_and_the_rest_kept(sessions, caplog) -> None:
    hostile = {"v": 2, "title": {"$ne": 1}, "date": "not a date", "hashtags": 5, "excerpt": "Kept.",
               "image": ["x"], "article_id": 999, "__class__": "Summary", "categories": ["News", 7]}
    with caplog.at_level(logging.WARNING, logger="herald.store"):
        card = await read_back(sessions, await stored(sessions, hostile))
    assert card.article_id != 999 and card.title == "Row title" and card.date == DATE
    assert card.excerpt == "Kept." and card.hashtags == () and card.image is None and card.categories == ()
    assert "invalid" in caplog.text


async def test_stored_text_that_is_not_json_is_rebuilt_from_the_article(sessions, caplog) -> None:
    article_id = await stored(sessions)
    async with sessions.begin() as session:
        if session.bind.dialect.name != "sqlite":
            pytest.skip("PostgreSQL refuses text that is not JSON in a json column")
        await session.execute(text("UPDATE articles SET summary = '{not json' WHERE id = :id"), {"id": article_id})
    with caplog.at_level(logging.WARNING, logger="herald.store"):
        card = await read_back(sessions, article_id)
    assert card.title == "Row title" and card.date == DATE and card.excerpt == ""
    assert "stored summary" in caplog.text
