"""A big pass parses in worker processes: it indexes the same articles, problems and states as a
pass in one thread, a file that kills its worker is a reported problem (every other post is
indexed), and the first run still announces nothing."""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Mapping
from pathlib import Path

import pytest
from sqlalchemy import delete, select
from test_index import Library, content, post

import bot.index.library
from bot.content.article import ProblemKind
from bot.content.config import ContentConfig
from bot.index import LibraryIndex
from bot.index.read import ReadFile, read_batch
from bot.index.readers import Readers
from bot.index.walk import FoundFile
from bot.store.index_rows import IndexedRow
from bot.store.models import ArticleCategory, ArticleRow, Meta
from bot.summary import SummaryConfig


def crash_on_marked(
    files: list[FoundFile], by_path: Mapping[str, IndexedRow], content: ContentConfig, summary: SummaryConfig
) -> list[ReadFile]:
    """A reader whose worker process dies on any file named `crash*.md` (a parser crash)."""
    if any(Path(f.rel).name.startswith("crash") for f in files):
        os._exit(3)
    return read_batch(files, by_path, content, summary)


def fill(root: Path) -> None:
    """Posts of every kind a pass meets: published, future, drafts, duplicates, broken front matter."""
    for n in range(23):
        post(root, f"posts/{n:02d}.md", title=f"Post {n}", date=f"2026-01-{n % 28 + 1:02d} 10:00:00",
             categories=(f"Cat {n % 3}",), extra=f"tags: [t{n % 4}]\n")
    post(root, "posts/later.md", title="Later", date="2026-06-01 09:00:00")
    post(root, "posts/draft.md", title="Draft", extra="draft: true\n")
    post(root, "posts/dup-a.md", title="Dup A", extra="id: same\n")
    post(root, "posts/dup-b.md", title="Dup B", extra="id: same\n")
    (root / "posts" / "broken.md").write_text("---\ntitle: [unclosed\n---\nbody\n", encoding="utf-8")


def in_processes(library: Library, read=read_batch) -> LibraryIndex:
    """The library's index, reading every pass in two worker processes."""
    readers = Readers(ContentConfig(root=library.root), SummaryConfig(), read=read, workers=2, threshold=1)
    library.index = LibraryIndex(
        library.sessions, ContentConfig(root=library.root), SummaryConfig(), clock=library.clock,
        on_publish=lambda i: _record(library, i), readers=readers,
    )
    return library.index


async def _record(library: Library, article_id: int) -> None:
    library.announced.append(article_id)


async def stored(library: Library) -> list[tuple]:
    async with library.sessions() as session:
        rows = (await session.execute(
            select(ArticleRow.key, ArticleRow.path, ArticleRow.title, ArticleRow.state, ArticleRow.digest)
            .order_by(ArticleRow.path))).all()
        links = (await session.execute(
            select(ArticleRow.path, ArticleCategory.norm, ArticleCategory.is_tag)
            .join(ArticleRow, ArticleRow.id == ArticleCategory.article_id)
            .order_by(ArticleRow.path, ArticleCategory.norm))).all()
    return [tuple(r) for r in rows] + [tuple(r) for r in links]


__all__ = ["content"]  # the content folder fixture, shared with test_index


@pytest.fixture(autouse=True)
def small_batches(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(bot.index.library, "BATCH", 4)  # several batches in flight at once


async def test_worker_processes_index_what_one_thread_does(sessions, tmp_path: Path) -> None:
    threaded_root, pooled_root = tmp_path / "one", tmp_path / "two"
    fill(threaded_root)
    fill(pooled_root)
    threaded = Library(sessions, threaded_root)
    one = await threaded.index.scan()
    expected = await stored(threaded)
    async with sessions.begin() as session:  # the same database, emptied: a first run again
        for table in (ArticleCategory, ArticleRow, Meta):
            await session.execute(delete(table))
    pooled = Library(sessions, pooled_root)
    index = in_processes(pooled)
    two = await index.scan()
    assert index._readers.used_processes
    assert await stored(pooled) == expected
    assert sorted(map(str, two.problems)) == sorted(map(str, one.problems))
    assert (len(two.new), len(two.published), len(two.scheduled)) == (len(one.new), len(one.published),
                                                                       len(one.scheduled))
    assert pooled.announced == []  # the first run records, never announces
    assert multiprocessing.active_children() == []  # the workers are gone once the pass is over


async def test_a_file_that_kills_its_worker_is_a_problem_not_a_lost_batch(sessions, content: Path) -> None:
    fill(content)
    post(content, "posts/crash-me.md", title="Kills the parser")
    library = Library(sessions, content)
    index = in_processes(library, read=crash_on_marked)
    report = await index.scan()
    crashed = [p for p in report.problems if p.path == "posts/crash-me.md"]
    assert [p.kind for p in crashed] == [ProblemKind.UNREADABLE]
    assert crashed[0] in report.fresh
    titles = {row[2] for row in await stored(library) if len(row) == 5}
    assert {f"Post {n}" for n in range(23)} <= titles and "Kills the parser" not in titles
    assert library.announced == []
    # Reported once: the next pass meets it again (nothing was written for it) but says nothing new.
    again = await index.scan()
    assert [p.path for p in again.problems if p.path == "posts/crash-me.md"] == ["posts/crash-me.md"]
    assert again.fresh == []


async def test_new_posts_after_a_big_pass_are_announced_once(sessions, content: Path) -> None:
    fill(content)
    library = Library(sessions, content)
    index = in_processes(library)
    await index.scan()
    post(content, "posts/fresh.md", title="Fresh", date="2026-02-28 10:00:00")
    report = await index.scan()
    assert len(report.published) == 1 and library.announced == report.published
    assert (await index.scan()).published == []
