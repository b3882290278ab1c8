"""Counts `/categories` and `/latest` show follow every index pass: the read stamp moves once per
written batch (SQLite) or transaction (PostgreSQL), and cached counts are read again."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import text
from test_index import Library, content, post

from bot.store.articles import category_counts, count_published

__all__ = ["content"]  # the content folder fixture, shared with test_index


async def stamp(library: Library) -> int:
    async with library.sessions() as session:
        return int(await session.scalar(text("SELECT n FROM read_stamp WHERE id = 1")))


async def test_counts_follow_each_pass(sessions, content: Path) -> None:
    library = Library(sessions, content)
    post(content, "a.md", title="A", categories=("News",))
    post(content, "b.md", title="B", categories=("News", "Tech"))
    await library.index.scan()
    assert await count_published(sessions) == 2
    assert dict(await category_counts(sessions)) == {"News": 2, "Tech": 1}
    before = await stamp(library)
    post(content, "c.md", title="C", date="2026-02-28 10:00:00", categories=("Tech",))
    (content / "a.md").unlink()
    await library.index.scan()
    assert await stamp(library) > before
    assert await count_published(sessions) == 2
    assert dict(await category_counts(sessions)) == {"News": 1, "Tech": 2}
    assert (await library.index.scan()).new == []
    assert await stamp(library) >= before + 1  # the row is still there (never left missing)
